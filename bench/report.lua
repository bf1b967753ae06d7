-- wrk script: optional pacing (BENCH_DELAY_MS mean pause per connection) and a JSON summary.
local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "0")

-- The pause is drawn uniformly from [0, 2 x BENCH_DELAY_MS]: the same mean rate, but the
-- connections drift apart instead of firing in lock-step bursts that would queue at the server.
if delay_ms > 0 then
  function delay()
    return math.random(0, math.floor(2 * delay_ms))
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "socket_errors": %d, "non_2xx": %d, ' ..
    '"p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
