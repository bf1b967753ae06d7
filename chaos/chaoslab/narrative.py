"""The prose of a report: failure pattern and recovery mechanism, built only from measurements."""

from __future__ import annotations

from chaoslab.analysis import Timeline
from chaoslab.hypotheses import HypothesisFile
from chaoslab.pods import summarise
from chaoslab.results import ExperimentResult
from chaoslab.units import show

# What ends each kind of fault when no Kubernetes object had to change. Only what the runner
# observes is claimed: the object's fault ended and no pod changed; how the chaos controller
# undid it (Chaos Mesh's chaos-daemon, or a stand-in) is the environment's business.
FAULT_REMOVAL = {
    "StressChaos": (
        "The stressors stopped when the StressChaos object's duration ended; no pod had to be "
        "restarted or replaced, so the app recovered in place"
    ),
    "NetworkChaos": (
        "The network fault was lifted from the pods' network namespaces when the NetworkChaos "
        "object's duration ended; no pod had to be restarted or replaced"
    ),
    "HTTPChaos": (
        "The HTTP fault stopped when the HTTPChaos object's duration ended; no pod had to be "
        "restarted or replaced"
    ),
}


def since(timeline: Timeline, at: float | None) -> str:
    """'+42s': how long after injection `at` was; an em dash for no time."""
    return "—" if at is None else f"+{at - timeline.chaos_start:.0f}s"


def _unchanged(value: float, baseline: float | None) -> bool:
    """Within 5% of the baseline median: not worth a sentence."""
    return baseline is not None and abs(value - baseline) <= 0.05 * abs(baseline)


def failure_pattern(result: ExperimentResult, spec: HypothesisFile) -> str:
    """What went wrong and how badly, in measured terms."""
    analysis = result.analysis
    if analysis is None or not result.injected:
        return "Nothing was injected, so there is no failure pattern to describe."
    sentences = []
    broken = [v for v in analysis.verdicts if v.first_violation is not None]
    if broken:
        first = min(broken, key=lambda v: v.first_violation)
        names = ", ".join(f"`{v.name}`" for v in broken)
        sentences.append(
            f"Hypotheses violated: {names}; the first (`{first.name}`) at "
            f"{since(result.timeline, first.first_violation)} after injection."
        )
    else:
        sentences.append("Every hypothesis held throughout; the system absorbed the fault.")
    metrics = {m.name: m for m in spec.impact}
    for peak in analysis.peaks:
        if peak.value is None or _unchanged(peak.value, peak.baseline):
            continue
        unit = metrics[peak.name].unit
        word = "lowest" if metrics[peak.name].peak == "min" else "peak"
        sentences.append(
            f"{metrics[peak.name].title}: {word} {show(peak.value, unit)} at "
            f"{since(result.timeline, peak.at)} (baseline median {show(peak.baseline, unit)})."
        )
    pods = summarise(result.pod_events)
    if pods.gone or pods.created or pods.restarts:
        sentences.append(
            f"Pods: {pods.gone} gone, {pods.created} created ({pods.rescheduled} on another node), "
            f"{pods.restarts} container restart(s)."
        )
    return " ".join(sentences)


def recovery_mechanism(result: ExperimentResult) -> str:
    """Which Kubernetes mechanism brought the system back, as far as the pod timeline shows."""
    analysis, timeline = result.analysis, result.timeline
    if analysis is None or timeline is None or not result.injected:
        return "Nothing was injected."
    parts = []
    pods = summarise(result.pod_events)
    if pods.gone or pods.created:
        waits = pods.seconds_to_ready
        span = f"{min(waits):.0f} to {max(waits):.0f}s" if len(set(waits)) > 1 else ""
        ready = (
            f"; they were Ready {span or f'{waits[0]:.0f}s'} after they appeared" if waits else ""
        )
        parts.append(
            f"The Deployment's ReplicaSet replaced the {pods.gone} lost pod(s) with "
            f"{pods.created} new one(s){ready}. Traffic only reached them once their readiness "
            "probe passed and the Service's endpoints listed them again"
        )
        if pods.rescheduled:
            parts.append(f"the scheduler placed {pods.rescheduled} replacement(s) on another node")
    if pods.restarts:
        parts.append(
            f"The kubelet restarted {pods.restarts} container(s) in place (restartPolicy Always); "
            "each pod kept its name and node and rejoined the endpoints when it was Ready again"
        )
    not_ready = {e.pod for e in result.pod_events if e.kind == "not ready"}
    if not_ready and not pods.gone:
        parts.append(
            f"readiness probes took {len(not_ready)} pod(s) out of the Service endpoints "
            "while they could not serve"
        )
    if not parts:
        parts.append(
            FAULT_REMOVAL.get(
                result.experiment.kind,
                "No pod was replaced or restarted; the system recovered when the fault was removed",
            )
        )
    recovery = analysis.recovery
    if not recovery.impacted:
        tail = "No hypothesis broke, so there was nothing to recover from."
    elif recovery.recovered_at is None:
        still = ", ".join(f"`{v.name}`" for v in analysis.verdicts if v.verdict != "held")
        waited = timeline.end - timeline.chaos_end
        tail = f"It had NOT recovered {waited:.0f}s after the fault ended ({still} still failing)."
    else:
        ttr = recovery.recovered_at - timeline.chaos_start
        after = max(0.0, recovery.recovered_at - timeline.chaos_end)
        tail = (
            f"All hypotheses held again from {since(timeline, recovery.recovered_at)} on "
            f"(time to recover {ttr:.0f}s from injection, {after:.0f}s after the fault ended)."
        )
    return "; ".join(parts) + ". " + tail
