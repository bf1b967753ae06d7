"""Chaos Mesh's admission rules (admission.py) admit every Chaos Mesh object this repository
ships, and refuse one example or more per rule: upstream's own webhook test cases
(api/v1alpha1/*_webhook_test.go at v2.8.3) where they exist, marked "upstream"."""

from __future__ import annotations

import pytest

from tests.chaos.admission import RULES, NotPorted, admit
from tests.support.render import OVERLAYS, render
from tests.support.validate import CHAOS_MESH_API_VERSION

NAMESPACE = {"name": "example", "namespace": "default"}


def chaos(kind: str, **spec) -> dict:
    return {"apiVersion": CHAOS_MESH_API_VERSION, "kind": kind, "metadata": NAMESPACE, "spec": spec}


def http_chaos(**spec) -> dict:
    return chaos("HTTPChaos", **{"target": "Request", "port": 80, **spec})


def schedule(cron: str = "5 * * * *", **spec) -> dict:
    return chaos("Schedule", schedule=cron, **spec)


def workflow(*templates: dict, entry: str | None = None) -> dict:
    first = templates[0]["name"] if templates else ""
    return chaos("Workflow", entry=first if entry is None else entry, templates=list(templates))


def suspend(name: str = "pause", **fields) -> dict:
    return {"name": name, "templateType": "Suspend", "deadline": "1m", **fields}


def memory_stress(size: str) -> dict:
    return chaos("StressChaos", stressors={"memory": {"workers": 1, "size": size}})


POD_KILL = {"action": "pod-kill", "selector": {"namespaces": ["default"]}}

# rule -> (what, object): every object is refused under that rule.
REFUSED: dict[str, list[tuple[str, dict]]] = {
    "duration": [
        ("upstream: duration 400S", http_chaos(duration="400S")),
        ("upstream: delay latency 1S", chaos("NetworkChaos", delay={"latency": "1S"})),
        ("delay jitter 1S", chaos("NetworkChaos", delay={"latency": "1s", "jitter": "1S"})),
    ],
    "mode-value": [
        ("upstream: fixed 0", http_chaos(mode="fixed", value="0")),
        ("upstream: fixed num", http_chaos(mode="fixed", value="num")),
        ("upstream: random-max-percent 0", http_chaos(mode="random-max-percent", value="0")),
        ("upstream: random-max-percent num", http_chaos(mode="random-max-percent", value="num")),
        ("upstream: fixed-percent 101", http_chaos(mode="fixed-percent", value="101")),
        ("upstream: target fixed 0", chaos("NetworkChaos", target={"mode": "fixed", "value": "0"})),
    ],
    "container-names": [
        ("upstream: container-kill", chaos("PodChaos", action="container-kill")),
        (
            "upstream: a Schedule's container-kill",
            schedule("@every 5s", type="PodChaos", podChaos={"action": "container-kill"}),
        ),
    ],
    "stressors": [("upstream: missing stressors", chaos("StressChaos"))],
    "stressors-kind": [("stressors without cpu or memory", chaos("StressChaos", stressors={}))],
    "memory-size": [
        (f"upstream: size {size}", memory_stress(size))
        for size in ("-1", "-1%", "101%", "x%", "-1Kb")
    ],
    "direction-target": [
        ("from without target", chaos("NetworkChaos", action="delay", direction="from")),
    ],
    "direction-external": [
        (
            "upstream: from with externalTargets",
            chaos("NetworkChaos", direction="from", externalTargets=["8.8.8.8"]),
        ),
    ],
    "netem-float": [
        ("upstream: delay correlation num", chaos("NetworkChaos", delay={"correlation": "num"})),
        (
            "upstream: reorder num",
            chaos("NetworkChaos", delay={"reorder": {"reorder": "num", "correlation": "num"}}),
        ),
        ("upstream: loss num", chaos("NetworkChaos", loss={"loss": "num", "correlation": "num"})),
        ("upstream: duplicate num", chaos("NetworkChaos", duplicate={"duplicate": "num"})),
        ("upstream: corrupt num", chaos("NetworkChaos", corrupt={"corrupt": "num"})),
        ("loss 1e39 overflows a 32-bit float", chaos("NetworkChaos", loss={"loss": "1e39"})),
    ],
    "rate": [
        ("upstream: bandwidth 10", chaos("NetworkChaos", bandwidth={"rate": "10"})),
        ("upstream: rate 10", chaos("NetworkChaos", rate={"rate": "10"})),
        ("upstream: 10 cpbs", chaos("NetworkChaos", rate={"rate": " 10 cpbs"})),
    ],
    "http-port": [
        ("upstream: no port", chaos("HTTPChaos", target="Request")),
        ("upstream: port -1", http_chaos(port=-1)),
    ],
    "http-target": [
        ("upstream: no target", chaos("HTTPChaos", port=80)),
        ("upstream: target request", http_chaos(target="request")),
    ],
    "http-method": [("upstream: method gET", http_chaos(method="gET"))],
    "http-delay": [("upstream: delay 1", http_chaos(delay="1"))],
    "cron": [
        ("minute 61", schedule("61 * * * *", type="PodChaos", podChaos=POD_KILL)),
        ("four fields", schedule("* * * *", type="PodChaos", podChaos=POD_KILL)),
        ("unknown descriptor", schedule("@fortnightly", type="PodChaos", podChaos=POD_KILL)),
        ("empty", schedule("", type="PodChaos", podChaos=POD_KILL)),
    ],
    "schedule-type": [
        ("unknown kind", schedule(type="FooChaos", podChaos=POD_KILL)),
        ("PodChaos without podChaos", schedule(type="PodChaos", stressChaos={})),
        ("Workflow without workflow", schedule(type="Workflow")),
    ],
    "workflow-entry": [
        ("upstream: entry is empty", chaos("Workflow", entry="", templates=[suspend()])),
        ("upstream: entry does not exist", workflow(suspend("whatever"), entry="entry")),
    ],
    "workflow-templates": [
        ("upstream: templates is nil", chaos("Workflow", entry="lab")),
        ("upstream: templates is empty", chaos("Workflow", entry="lab", templates=[])),
    ],
    "template-names-unique": [
        (
            "upstream: template-a and template-b twice",
            workflow(*(suspend(name) for name in ["a", "b", "c", "a", "b", "d"])),
        ),
    ],
    "template-name": [("not DNS-1123", workflow(suspend("Pause_1")))],
    "template-type": [("unknown type", workflow({"name": "nap", "templateType": "Sleep"}))],
    "suspend-deadline": [("no deadline", workflow({"name": "nap", "templateType": "Suspend"}))],
    "children-exist": [
        ("missing child", workflow({"name": "lab", "templateType": "Serial", "children": ["x"]})),
    ],
    "no-task": [
        ("upstream: unexpected task", workflow(suspend(task={"container": {"name": "fake"}}))),
    ],
    "no-children": [
        ("upstream: unexpected children", workflow(suspend(children=["child-a", "child-b"]))),
    ],
    "no-branches": [
        (
            "upstream: unexpected conditional branches",
            workflow(suspend(conditionalBranches=[{"target": "", "expression": ""}])),
        ),
    ],
    "no-chaos": [("upstream: unexpected embedded chaos", workflow(suspend(podChaos=POD_KILL)))],
    "no-schedule": [
        ("upstream: unexpected schedule", workflow(suspend(schedule={"type": "PodChaos"}))),
    ],
    "chaos-spec-required": [
        (
            "upstream: embed chaos is not set",
            workflow({"name": "invalid-pod-chaos", "templateType": "PodChaos"}),
        ),
    ],
    "no-duration-in-workflow": [
        (
            "upstream: duration 20s in the chaos",
            workflow(
                {
                    "name": "invalid-pod-chaos",
                    "templateType": "PodChaos",
                    "podChaos": {"duration": "20s"},
                }
            ),
        ),
        (
            "a Schedule's Workflow, refused when the Schedule creates it",
            schedule(
                type="Workflow",
                workflow=workflow(
                    {"name": "kill", "templateType": "PodChaos", "podChaos": {"duration": "20s"}}
                )["spec"],
            ),
        ),
    ],
}

ADMITTED: list[tuple[str, dict]] = [
    ("upstream: HTTPChaos Request on port 80", http_chaos()),
    ("upstream: method gET on a Response", http_chaos(target="Response", method="gET")),
    ("upstream: method GET", http_chaos(method="GET")),
    ("upstream: delay 1s", http_chaos(delay="1s")),
    ("upstream: memory stressor", chaos("StressChaos", stressors={"memory": {"workers": 1}})),
    *[(f"upstream: size {size!r}", memory_stress(size)) for size in ("", "1%", "100KB", "100B")],
    ("upstream: rate '  10   mbPs  '", chaos("NetworkChaos", rate={"rate": "  10   mbPs  "})),
    ("upstream: rate '  10   kbit  '", chaos("NetworkChaos", bandwidth={"rate": "  10   kbit  "})),
    ("upstream: cron with seconds", schedule("*/1 * * * * *", type="PodChaos", podChaos=POD_KILL)),
    ("upstream: @every 5s", schedule("@every 5s", type="PodChaos", podChaos=POD_KILL)),
    (
        "cron with names, TZ and both day fields",
        schedule("TZ=UTC 0 9 1 jan-mar mon", type="PodChaos", podChaos=POD_KILL),
    ),
    (
        "upstream: duration set as the template's deadline",
        workflow({"name": "kill", "templateType": "PodChaos", "deadline": "20s", "podChaos": {}}),
    ),
    (
        "a partition from pods to nowhere",
        chaos("NetworkChaos", action="partition", direction="both"),
    ),
    ("loss 1e38 fits a 32-bit float", chaos("NetworkChaos", loss={"loss": "1e38"})),
]

EXAMPLES = [
    pytest.param(rule, obj, id=f"{rule}: {what}")
    for rule, examples in REFUSED.items()
    for what, obj in examples
]


def _chaos_mesh_objects(objects: list[dict]) -> list[dict]:
    return [obj for obj in objects if obj.get("apiVersion") == CHAOS_MESH_API_VERSION]


def test_every_rule_has_a_refused_example():
    assert list(REFUSED) == RULES


@pytest.mark.parametrize(("rule", "obj"), EXAMPLES)
def test_the_rule_refuses_its_example(rule, obj):
    refusals = admit(obj)
    assert rule in {refusal.rule for refusal in refusals}, [str(r) for r in refusals]


@pytest.mark.parametrize("obj", [obj for _, obj in ADMITTED], ids=[what for what, _ in ADMITTED])
def test_what_upstream_accepts_is_admitted(obj):
    assert [str(refusal) for refusal in admit(obj)] == []


@pytest.mark.parametrize("overlay", OVERLAYS, ids=lambda path: path.name)
def test_every_chaos_mesh_object_of_every_overlay_is_admitted(overlay):
    refusals = [
        f"{obj['kind']} {obj['metadata']['name']}: {refusal}"
        for obj in _chaos_mesh_objects(render(overlay))
        for refusal in admit(obj)
    ]
    assert refusals == []


def test_every_experiment_file_and_the_workflow_run_on_demand_are_admitted(
    experiments, workflow_run
):
    objects = [obj for _, obj in experiments.values()] + [workflow_run]
    assert [f"{obj['kind']}: {refusal}" for obj in objects for refusal in admit(obj)] == []


def test_a_workflow_that_copies_whole_experiment_specs_is_refused(experiments):
    # What the overlay used to render: each step carried its experiment's spec, duration too.
    steps = [
        {"name": name, "templateType": obj["kind"], "deadline": "2m", "podChaos": obj["spec"]}
        for name, (_, obj) in experiments.items()
        if obj["kind"] == "PodChaos"
    ]
    refusals = admit(workflow({"name": "lab", "templateType": "Serial", "children": []}, *steps))
    assert {refusal.rule for refusal in refusals} == {"no-duration-in-workflow"}
    assert len(refusals) == len(steps)


def test_a_kind_whose_rules_are_not_ported_is_not_passed_unchecked():
    with pytest.raises(NotPorted, match="TimeChaos"):
        admit(chaos("TimeChaos", timeOffset="-10m"))
    with pytest.raises(NotPorted, match="TimeChaos"):
        admit(workflow({"name": "t", "templateType": "TimeChaos", "timeChaos": {}}))
