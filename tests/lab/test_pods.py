"""The pod timeline derived from successive polls of the target pods."""

from chaoslab.pods import PodState, pod_events, readiness, summarise


def pod(name: str, node: str = "node-a", ready: bool = True, restarts: int = 0,
        terminating: bool = False) -> PodState:  # fmt: skip
    return PodState(name, node, "Running", ready, restarts, terminating)


def kinds(events) -> list[tuple[str, str]]:
    return [(e.pod, e.kind) for e in events]


def test_the_first_snapshot_is_the_starting_state_not_events():
    assert pod_events([(0.0, {"backend-1": pod("backend-1")})]) == []


def test_a_killed_pod_and_its_replacement_on_the_same_node():
    events = pod_events([
        (0.0, {"backend-1": pod("backend-1"), "backend-2": pod("backend-2")}),
        (1.0, {"backend-2": pod("backend-2"), "backend-3": pod("backend-3", ready=False)}),
        (6.0, {"backend-2": pod("backend-2"), "backend-3": pod("backend-3")}),
    ])  # fmt: skip
    assert kinds(events) == [("backend-1", "gone"), ("backend-3", "created"),
                             ("backend-3", "ready")]  # fmt: skip
    assert [e.time for e in events] == [1.0, 1.0, 6.0]
    summary = summarise(events)
    assert (summary.gone, summary.created, summary.rescheduled) == (1, 1, 0)
    assert summary.seconds_to_ready == [5.0]


def test_a_replacement_on_another_node_is_rescheduled():
    events = pod_events([
        (0.0, {"backend-1": pod("backend-1", node="node-a")}),
        (1.0, {}),
        (2.0, {"backend-2": pod("backend-2", node="node-b", ready=False)}),
    ])  # fmt: skip
    assert kinds(events) == [("backend-1", "gone"), ("backend-2", "rescheduled")]
    assert "node-a" in events[1].detail


def test_a_pod_created_before_scheduling_gets_a_scheduled_event():
    events = pod_events([
        (0.0, {}),
        (1.0, {"backend-2": pod("backend-2", node=None, ready=False)}),
        (2.0, {"backend-2": pod("backend-2", node="node-a", ready=False)}),
    ])  # fmt: skip
    assert kinds(events) == [("backend-2", "created"), ("backend-2", "scheduled")]


def test_a_container_restart_and_readiness_flip_in_place():
    events = pod_events([
        (0.0, {"backend-1": pod("backend-1")}),
        (1.0, {"backend-1": pod("backend-1", ready=False, restarts=1)}),
        (4.0, {"backend-1": pod("backend-1", restarts=1)}),
    ])  # fmt: skip
    assert kinds(events) == [("backend-1", "restarted"), ("backend-1", "not ready"),
                             ("backend-1", "ready")]  # fmt: skip
    assert summarise(events).restarts == 1


def test_a_terminating_pod_is_noticed_before_it_is_gone():
    events = pod_events([
        (0.0, {"backend-1": pod("backend-1")}),
        (1.0, {"backend-1": pod("backend-1", terminating=True)}),
        (3.0, {}),
    ])  # fmt: skip
    assert kinds(events) == [("backend-1", "terminating"), ("backend-1", "gone")]


def test_readiness_sees_a_dip_shorter_than_any_scrape_interval():
    a, b, c = pod("backend-1"), pod("backend-2"), pod("backend-3")
    snapshots = [
        (100.0, {"backend-1": a, "backend-2": b}),
        # Killed: its ReplicaSet creates the replacement in the same second.
        (101.0, {"backend-2": b, "backend-3": pod("backend-3", ready=False)}),
        (102.0, {"backend-2": b, "backend-3": pod("backend-3", ready=False)}),
        (105.0, {"backend-2": b, "backend-3": c}),
        (106.0, {"backend-2": b, "backend-3": c}),
    ]
    seen = readiness(snapshots, chaos_start=100.0)
    assert (seen.before, seen.lowest, seen.lowest_at) == (2, 1, 101.0)
    assert seen.longest_dip_seconds == 4.0
    assert seen.back and seen.ok(max_unready_seconds=10)
    assert not seen.ok(max_unready_seconds=3)


def test_readiness_counts_a_failed_pod_that_stays_as_not_ready_and_never_back():
    snapshots = [
        (0.0, {"backend-1": pod("backend-1"), "backend-2": pod("backend-2")}),
        (1.0, {"backend-1": pod("backend-1", ready=False), "backend-2": pod("backend-2")}),
        (12.0, {"backend-1": pod("backend-1", ready=False), "backend-2": pod("backend-2")}),
    ]
    seen = readiness(snapshots, chaos_start=0.0)
    assert (seen.lowest, seen.longest_dip_seconds, seen.back) == (1, 11.0, False)
    assert not seen.ok(max_unready_seconds=10)


def test_readiness_does_not_count_an_autoscaler_scale_down_as_a_dip():
    three = {name: pod(name) for name in ("backend-1", "backend-2", "backend-3")}
    snapshots = [
        (0.0, three),
        (5.0, {**three, "backend-3": pod("backend-3", terminating=True)}),
        (40.0, {name: three[name] for name in ("backend-1", "backend-2")}),
        (300.0, {name: three[name] for name in ("backend-1", "backend-2")}),
    ]
    seen = readiness(snapshots, chaos_start=0.0)
    assert (seen.longest_dip_seconds, seen.back) == (0.0, True)
    assert seen.ok(max_unready_seconds=10)


def test_readiness_is_unknown_without_polls_after_injection():
    assert readiness([(0.0, {"backend-1": pod("backend-1")})], chaos_start=5.0) is None
