"""Two runs side by side, from their journals: per experiment the verdicts, peak impact, time to
recover, failed and slow requests and error budget consumed, with B's change from A."""

from __future__ import annotations

from collections.abc import Iterable

from chaoslab.units import show


def _delta(a: float | None, b: float | None, unit: str) -> str:
    if a is None or b is None:
        return ""
    change = b - a
    if change == 0:
        return "="
    return f"{'+' if change > 0 else '-'}{show(abs(change), unit)}"


def _seconds_delta(a: float | None, b: float | None) -> str:
    if a is None or b is None:
        return ""
    return "=" if a == b else f"{b - a:+.0f}s"


def _count_delta(a: float | None, b: float | None) -> str:
    """Request counts are shown whole, so their change is too (not +43.1574)."""
    if a is None or b is None:
        return ""
    return "=" if round(a) == round(b) else f"{round(b) - round(a):+d}"


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.3g} %"


def _ordered(*names: Iterable[str]) -> list[str]:
    """Every name once, in order of first appearance."""
    return list(dict.fromkeys(n for group in names for n in group))


def _experiments(run: dict) -> dict[str, dict]:
    return {e["name"]: e for e in run["experiments"]}


def _ttr(experiment: dict | None) -> float | None:
    timings = experiment and experiment["timings"]
    return timings["time_to_recover"] if timings else None


def _ttr_cell(experiment: dict | None) -> str:
    if experiment is None:
        return "not run"
    injected = experiment["analysis"] and experiment["analysis"]["verdicts"]
    if _ttr(experiment) is None:
        return "not recovered" if injected else "—"
    return f"{_ttr(experiment):.0f}s"


def _verdicts(experiment: dict | None) -> dict[str, dict]:
    analysis = experiment and experiment["analysis"]
    return {v["name"]: v for v in analysis["verdicts"]} if analysis else {}


def _verdict_cell(verdict: dict | None) -> str:
    if verdict is None:
        return "—"
    violated = verdict["violated_seconds"]
    return verdict["verdict"] + (f" ({violated:.0f}s violated)" if violated else "")


def _peaks(experiment: dict | None) -> dict[str, float | None]:
    analysis = experiment and experiment["analysis"]
    return {p["name"]: p["value"] for p in analysis["peaks"]} if analysis else {}


def _costs(experiment: dict | None) -> dict[str, dict]:
    priced = experiment and experiment["budget"]
    return {c["slo"]: c for c in priced["costs"]} if priced else {}


def _worst(experiment: dict | None) -> float | None:
    return max((c["consumed"] for c in _costs(experiment).values()), default=None)


def _ready(experiment: dict | None) -> str:
    """'lowest 1 of 2, 17s below', as the runner's pod polls saw it."""
    analysis = experiment and experiment["analysis"]
    seen = analysis and analysis["readiness"]
    if not seen:
        return "—"
    dip = f", {seen['longest_dip_seconds']:.0f}s below" if seen["lowest"] < seen["before"] else ""
    return f"lowest {seen['lowest']} of {seen['before']}{dip}"


def _slo_kinds(*runs: dict) -> dict[str, str]:
    """'failed' (availability) or 'slow' (latency) requests, by SLO name."""
    kinds = {}
    for run in runs:
        for slo in (run["inputs"]["slos"] or {}).get("slos", []):
            kinds[slo["name"]] = "failed" if slo["sli"] == "availability" else "slow"
    return kinds


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


def _experiment_table(name: str, a: dict, b: dict, ea: dict | None, eb: dict | None) -> list[str]:
    lines = [f"## {name}", "", _row("", "A", "B", "change"), "|---|---|---|---|"]
    lines.append(_row("status", *(e["status"] if e else "not run" for e in (ea, eb)), ""))
    lines.append(_row("time to recover", _ttr_cell(ea), _ttr_cell(eb),
                      _seconds_delta(_ttr(ea), _ttr(eb))))  # fmt: skip
    va, vb = _verdicts(ea), _verdicts(eb)
    for hypothesis in _ordered(va, vb):
        lines.append(_row(f"hypothesis `{hypothesis}`", _verdict_cell(va.get(hypothesis)),
                          _verdict_cell(vb.get(hypothesis)), ""))  # fmt: skip
    lines.append(_row("ready target pods (pod timeline)", _ready(ea), _ready(eb), ""))
    metrics = {m["name"]: m for run in (b, a) for m in run["inputs"]["impact"]}
    pa, pb = _peaks(ea), _peaks(eb)
    for metric in _ordered(pa, pb):
        m = metrics[metric]
        word = "lowest" if m["peak"] == "min" else "peak"
        lines.append(_row(f"{word} {m['title']} (`{metric}`)", show(pa.get(metric), m["unit"]),
                          show(pb.get(metric), m["unit"]),
                          _delta(pa.get(metric), pb.get(metric), m["unit"])))  # fmt: skip
    ca, cb, kinds = _costs(ea), _costs(eb), _slo_kinds(a, b)
    for slo in _ordered(ca, cb):
        bad = [c[slo]["bad"] if slo in c else None for c in (ca, cb)]
        lines.append(_row(f"`{slo}` requests {kinds.get(slo, 'bad')}",
                          *("—" if n is None else f"{n:.0f}" for n in bad),
                          _count_delta(*bad)))  # fmt: skip
        used = [c[slo]["consumed"] if slo in c else None for c in (ca, cb)]
        change = (
            ""
            if None in used
            else "="
            if used[0] == used[1]
            else f"{(used[1] - used[0]) * 100:+.3g} pp"
        )
        lines.append(_row(f"`{slo}` budget consumed", *map(_share, used), change))
    return [*lines, ""]


def _run_line(label: str, run: dict) -> str:
    context = run["environment"]["context"]
    started = context.get("started", "start not recorded")
    note = run["environment"]["note"]
    return f"- {label}: `{run['run']}`, started {started}" + (f"; {note}" if note else "")


def compare(a: dict, b: dict) -> str:
    """Markdown: run B next to run A, every experiment either of them ran."""
    ea, eb = _experiments(a), _experiments(b)
    names = _ordered(ea, eb)
    lines = [
        f"# Chaos lab runs compared — {a['run']} (A) and {b['run']} (B)",
        "",
        _run_line("A", a),
        _run_line("B", b),
        "",
        "Change = B - A; budget consumed changes in percentage points (pp) of the SLO's budget.",
        "",
        _row(
            "experiment",
            "A verdict",
            "B verdict",
            "A time to recover",
            "B time to recover",
            "A worst budget consumed",
            "B worst budget consumed",
        ),
        "|---|---|---|---|---|---|---|",
    ]
    for name in names:
        x, y = ea.get(name), eb.get(name)
        lines.append(_row(name, *(e["status"] if e else "not run" for e in (x, y)),
                          _ttr_cell(x), _ttr_cell(y), _share(_worst(x)),
                          _share(_worst(y))))  # fmt: skip
    lines.append("")
    for name in names:
        lines += _experiment_table(name, a, b, ea.get(name), eb.get(name))
    return "\n".join(lines).rstrip() + "\n"
