"""Latency histogram buckets shared by every stockwatch service and the load generator."""

# 5 ms ... 10 s, with an edge at each SLO and at the webui's page budget (250 ms API, 1 s budget,
# 1.5 s page). histogram_quantile interpolates inside a bucket: on the lab cluster, pages cut at
# their 1.0 s budget read as a 2.4 s p95 while the next edge after 1.0 s was 2.5 s.
LATENCY_BUCKETS = (
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    0.75,
    1.0,
    1.25,
    1.5,
    2.0,
    2.5,
    5.0,
    10.0,
    float("inf"),
)
