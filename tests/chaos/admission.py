"""Chaos Mesh 2.8.3's validating admission webhooks, offline: what the cluster refuses beyond the
CRD schemas, for the kinds this repository ships (PodChaos, StressChaos, NetworkChaos,
HTTPChaos, Schedule, Workflow).

Written (not copied) from github.com/chaos-mesh/chaos-mesh at tag v2.8.3 (commit 60ec97f1fd5d),
api/v1alpha1/, whose chart registers every webhook with failurePolicy Fail. `admit(obj)` returns
one Refusal per broken rule; each rule's id, its upstream source and what it refuses:

Covered
- duration: a Duration-typed field that is set is a Go duration: a chaos `duration`, and a
  NetworkChaos delay's `latency` and `jitter` (common_webhook.go Duration; the type tags in
  *_types.go say which fields). Parsed with the lab runner's parser
  (chaos/chaoslab/experiments.py), which takes a subset of Go's grammar: it refuses `0`, signs,
  ns/us units and `.5s`, which Go accepts, and accepts surrounding blanks, which Go refuses.
- mode-value: modes fixed (an integer > 0), fixed-percent and random-max-percent (an integer in
  1-100) need a matching `value`, for the pods and for a NetworkChaos `target`
  (common_webhook.go PodSelector.Validate).
- container-names: PodChaos container-kill names its containers (podchaos_webhook.go).
- stressors: a StressChaos has `stressors` or `stressngStressors`; stressors-kind: `stressors` has
  `cpu` or `memory`; memory-size: a memory stressor's `size` is `N%` (0-100) or a size
  docker/go-units v0.5.0 FromHumanSize reads (stresschaos_webhook.go).
- direction-target: NetworkChaos directions `from` and `both` need a `target`;
  direction-external: and take no `externalTargets` (networkchaos_webhook.go; not for partition).
- netem-float: loss, duplicate, corrupt, reorder and every correlation read as a 32-bit float
  (common_webhook.go FloatStr, with the `default:"0"` correlations get when empty).
- rate: a bandwidth or rate `rate` is an unsigned integer with a unit such as `mbps` or `kbit`
  (networkchaos_webhook.go Rate).
- http-port, http-target, http-method, http-delay: an HTTPChaos `port` above 0, `target`
  Request or Response, a standard `method` for Request targets, a Go duration `delay`
  (httpchaos_webhook.go).
- cron: a Schedule's `schedule` parses with robfig/cron v3.0.1 as Chaos Mesh configures it
  (optional seconds, descriptors such as @hourly and @every, TZ= prefixes;
  schedule_types.go StandardCronParser, schedule_webhook.go validateSchedule).
- schedule-type: `type` is a kind a Schedule can create and its spec is embedded under that
  kind's key (zz_generated.schedule.chaosmesh.go SpawnNewObject). The embedded chaos spec must
  pass its kind's rules (schedule_item.go EmbedChaos.Validate).
- workflow-entry, workflow-templates, template-names-unique, template-name, template-type,
  suspend-deadline, children-exist, no-task, no-children, no-branches, no-chaos, no-schedule,
  chaos-spec-required, no-duration-in-workflow: a Workflow's entry names a template; it has
  templates with unique DNS-1123 names and known types; a Suspend has a deadline; Serial and
  Parallel children exist; each template carries only what its type uses; a chaos template
  embeds its spec, without `duration` ("use Template#Deadline instead"), and that spec passes
  its kind's rules (workflow_webhook.go validateTemplate and the should* helpers).
  A Schedule of type Workflow is admitted without these checks (schedule_webhook.go skips it),
  but every Workflow it creates goes through the workflow webhook, so they are applied to its
  `workflow` here: a refusal there would otherwise show only as a failed run each hour.

Not covered
- Rules of kinds this repository does not ship (AWSChaos, AzureChaos, BlockChaos, DNSChaos,
  GCPChaos, IOChaos, JVMChaos, KernelChaos, PhysicalMachineChaos, TimeChaos, StatusCheck), also
  inside a Schedule or a Workflow, and Workflow templates of type Schedule or StatusCheck (whose
  specs the webhooks of the objects they create check): `admit` raises NotPorted for them
  rather than pass them unchecked.
- Updates: an existing chaos object's spec cannot change (ErrCanNotUpdateChaos in
  zz_generated.chaosmesh.go ValidateUpdate), which needs the stored object; `make chaos-apply`
  deletes before it creates for this reason.
- The authorisation webhook (validate-auth): whether the requesting user may touch the selected
  namespaces depends on RBAC, not on the object.
- Template `deadline` values: the webhook does not parse them (the workflow controller does at run
  time); tests/chaos/test_workflow.py checks them.
- Stressor.Validate (workers > 0, stresschaos_webhook.go) is never called upstream, so no rule.
- Hex floats with `_` digit separators and other corners of Go's number grammar: refused here.
"""

from __future__ import annotations

import math
import re
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from chaoslab.experiments import parse_duration
from scheduling import EMBED_KEYS

RULES = [
    "duration",
    "mode-value",
    "container-names",
    "stressors",
    "stressors-kind",
    "memory-size",
    "direction-target",
    "direction-external",
    "netem-float",
    "rate",
    "http-port",
    "http-target",
    "http-method",
    "http-delay",
    "cron",
    "schedule-type",
    "workflow-entry",
    "workflow-templates",
    "template-names-unique",
    "template-name",
    "template-type",
    "suspend-deadline",
    "children-exist",
    "no-task",
    "no-children",
    "no-branches",
    "no-chaos",
    "no-schedule",
    "chaos-spec-required",
    "no-duration-in-workflow",
]


class NotPorted(ValueError):
    """The object uses a kind or template type whose admission rules are not ported here."""


@dataclass(frozen=True)
class Refusal:
    rule: str  # one of RULES
    path: str  # where, e.g. spec.templates[1].podChaos.duration
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message} [{self.rule}]"


# --- Go's number and duration grammars -------------------------------------------------------

_GO_INT = re.compile(r"[+-]?[0-9]+")
_GO_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_GO_HEX = re.compile(r"[+-]?0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?[0-9]+")
_GO_SPECIAL = re.compile(r"(?i)[+-]?inf(?:inity)?|nan")
# From here on, strconv.ParseFloat rounds to infinity and fails with ErrRange: the largest
# float32 plus half its last step, and float64's infinity.
_FLOAT_LIMITS = {32: 2.0**128 - 2.0**103, 64: math.inf}


def go_int(text: str) -> int | None:
    """strconv.Atoi: the integer, or None where Go fails."""
    if not _GO_INT.fullmatch(text):
        return None
    value = int(text)
    return value if -(2**63) <= value < 2**63 else None


def go_float(text: str, bits: int) -> float | None:
    """strconv.ParseFloat(text, bits): the number, or None where Go fails."""
    if _GO_SPECIAL.fullmatch(text):
        return float(text.lower().replace("infinity", "inf"))
    if _GO_DECIMAL.fullmatch(text):
        value = float(text)
    elif _GO_HEX.fullmatch(text):
        try:
            value = float.fromhex(text)
        except OverflowError:
            return None
    else:
        return None
    return value if abs(value) < _FLOAT_LIMITS[bits] else None


def is_go_duration(text: object) -> bool:
    if not isinstance(text, str):
        return False
    try:
        parse_duration(text)
    except ValueError:
        return False
    return True


# --- the chaos kinds -------------------------------------------------------------------------


def _duration(spec: dict, key: str, path: str) -> list[Refusal]:
    value = spec.get(key)
    if value is None or value == "":  # unset or empty: Duration fields may be empty
        return []
    if is_go_duration(value):
        return []
    return [Refusal("duration", f"{path}.{key}", f"{value!r} is not a Go duration such as 30s")]


def _mode_value(selector: dict, path: str) -> list[Refusal]:
    mode, value = selector.get("mode"), str(selector.get("value", ""))
    number = go_int(value)
    if mode == "fixed" and (number is None or number <= 0):
        return [Refusal("mode-value", f"{path}.value", f"mode fixed needs a count > 0: {value!r}")]
    if mode in ("fixed-percent", "random-max-percent") and (
        number is None or not 0 < number <= 100
    ):
        return [Refusal("mode-value", f"{path}.value", f"mode {mode} needs 1-100: {value!r}")]
    return []


def _pod_chaos(spec: dict, path: str) -> list[Refusal]:
    if spec.get("action") == "container-kill" and not spec.get("containerNames"):
        return [
            Refusal(
                "container-names", f"{path}.containerNames", "container-kill names no container"
            )
        ]
    return []


def is_human_size(text: str) -> bool:
    """docker/go-units v0.5.0 FromHumanSize: a number, optionally a space, then B, k, kB, KiB..."""
    separator = max(text.rfind(char) for char in "0123456789. ")
    if separator == -1:
        return False
    number = text[:separator] if text[separator] == " " else text[: separator + 1]
    suffix = text[separator + 1 :].lower()
    size = go_float(number, 64)
    if size is None or size < 0:
        return False
    if not suffix or suffix == "b":
        return True
    return suffix[0] in "kmgtp" and suffix[1:] in ("", "b", "ib")


def _memory_size(size: object, path: str) -> list[Refusal]:
    text = str(size)
    if text.endswith("%"):
        percent = go_int(text[:-1])
        valid = percent is not None and 0 <= percent <= 100
    else:
        valid = text == "" or is_human_size(text)
    return [] if valid else [Refusal("memory-size", path, f"{text!r} is neither N% nor a size")]


def _stress_chaos(spec: dict, path: str) -> list[Refusal]:
    stressors = spec.get("stressors")
    if stressors is None and not spec.get("stressngStressors"):
        return [Refusal("stressors", path, "no stressors and no stressngStressors")]
    if stressors is None:
        return []
    if stressors.get("cpu") is None and stressors.get("memory") is None:
        return [
            Refusal("stressors-kind", f"{path}.stressors", "neither a cpu nor a memory stressor")
        ]
    memory = stressors.get("memory") or {}
    return _memory_size(memory.get("size", ""), f"{path}.stressors.memory.size")


def _netem_float(block: dict, key: str, path: str, default: str | None = None) -> list[Refusal]:
    value = str(block.get(key) or default or "")
    if go_float(value, 32) is not None:
        return []
    return [Refusal("netem-float", f"{path}.{key}", f"{value!r} is not a number")]


_RATE_UNITS = ("kbit", "mbit", "gbit", "tbit", "tbps", "gbps", "mbps", "kbps", "bps", "bit")


def is_rate(text: str) -> bool:
    """networkchaos_webhook.go isValidRateUnit: an unsigned integer, then a unit such as mbps."""
    normalised = text.strip().lower()
    unit = next((unit for unit in _RATE_UNITS if normalised.endswith(unit)), "")
    number = normalised.removesuffix(unit).strip()
    return bool(unit) and bool(re.fullmatch(r"[0-9]+", number)) and int(number) < 2**64


def _network_chaos(spec: dict, path: str) -> list[Refusal]:
    refusals = []
    delay = spec.get("delay")
    if delay is not None:
        where = f"{path}.delay"
        refusals += _duration(delay, "latency", where)
        refusals += _duration(delay, "jitter", where)
        refusals += _netem_float(delay, "correlation", where, default="0")
        reorder = delay.get("reorder")
        if reorder is not None:
            refusals += _netem_float(reorder, "reorder", f"{where}.reorder")
            refusals += _netem_float(reorder, "correlation", f"{where}.reorder", default="0")
    for key in ("loss", "duplicate", "corrupt"):
        block = spec.get(key)
        if block is not None:
            refusals += _netem_float(block, key, f"{path}.{key}")
            refusals += _netem_float(block, "correlation", f"{path}.{key}", default="0")
    for key in ("bandwidth", "rate"):
        block = spec.get(key)
        if block is not None and not is_rate(str(block.get("rate", ""))):
            rate = block.get("rate", "")
            refusals.append(Refusal("rate", f"{path}.{key}.rate", f"{rate!r} has no rate unit"))
    target = spec.get("target")
    if target is not None:
        refusals += _mode_value(target, f"{path}.target")
    if spec.get("action") == "partition":
        return refusals
    direction = spec.get("direction") or "to"
    if direction in ("from", "both"):
        if spec.get("externalTargets") is not None:
            refusals.append(
                Refusal(
                    "direction-external",
                    f"{path}.direction",
                    f"direction {direction} cannot be used with externalTargets",
                )
            )
        if target is None:
            refusals.append(
                Refusal(
                    "direction-target", f"{path}.direction", f"direction {direction} needs a target"
                )
            )
    return refusals


_HTTP_METHODS = frozenset(
    ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "CONNECT"]
)


def _http_chaos(spec: dict, path: str) -> list[Refusal]:
    refusals = []
    port = spec.get("port", 0)
    if not isinstance(port, int) or port <= 0:
        refusals.append(Refusal("http-port", f"{path}.port", f"port {port!r} is not above 0"))
    target = spec.get("target", "")
    if target not in ("Request", "Response"):
        refusals.append(Refusal("http-target", f"{path}.target", f"{target!r} is not a target"))
    method = spec.get("method")
    if method is not None and target == "Request" and method not in _HTTP_METHODS:
        refusals.append(Refusal("http-method", f"{path}.method", f"{method!r} is not a method"))
    delay = spec.get("delay")
    if delay is not None and not is_go_duration(delay):
        refusals.append(Refusal("http-delay", f"{path}.delay", f"{delay!r} is not a duration"))
    return refusals


_KIND_RULES = {  # the kinds whose own rules are ported
    "PodChaos": _pod_chaos,
    "StressChaos": _stress_chaos,
    "NetworkChaos": _network_chaos,
    "HTTPChaos": _http_chaos,
}


def _chaos(kind: str, spec: dict, path: str) -> list[Refusal]:
    if kind not in _KIND_RULES:
        raise NotPorted(f"{path}: the admission rules of {kind} are not ported to {__name__}")
    spec = spec or {}
    return (
        _duration(spec, "duration", path) + _mode_value(spec, path) + _KIND_RULES[kind](spec, path)
    )


# --- Schedule --------------------------------------------------------------------------------

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_FIELDS = (  # name, low, high, names
    ("second", 0, 59, {}),
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day of month", 1, 31, {}),
    ("month", 1, 12, {month: number for number, month in enumerate(_MONTHS, 1)}),
    ("day of week", 0, 6, {day: number for number, day in enumerate(_WEEKDAYS)}),
)
_DESCRIPTORS = {
    "@yearly": "0 0 0 1 1 *",
    "@annually": "0 0 0 1 1 *",
    "@monthly": "0 0 0 1 * *",
    "@weekly": "0 0 0 * * 0",
    "@daily": "0 0 0 * * *",
    "@midnight": "0 0 0 * * *",
    "@hourly": "0 0 * * * *",
}


def _cron_number(text: str, names: dict[str, int]) -> int:
    if text.lower() in names:
        return names[text.lower()]
    number = go_int(text)
    if number is None or number < 0:
        raise ValueError(f"{text!r} is not a number of 0 or more")
    return number


def _cron_range(expression: str, name: str, low: int, high: int, names: dict) -> tuple[set, bool]:
    """The values one comma-separated part selects, and whether it is a `*` (or `?`)."""
    range_text, *steps = expression.split("/")
    if len(steps) > 1:
        raise ValueError(f"{name}: too many slashes in {expression!r}")
    bounds = range_text.split("-")
    star = bounds[0] in ("*", "?")
    if star:
        start, end = low, high
    elif len(bounds) > 2:
        raise ValueError(f"{name}: too many hyphens in {expression!r}")
    else:
        start = _cron_number(bounds[0], names)
        end = _cron_number(bounds[1], names) if len(bounds) == 2 else start
    step = _cron_number(steps[0], {}) if steps else 1
    if steps and len(bounds) == 1:
        end = high  # "N/step" runs from N to the end of the range
    if start < low or end > high or start > end:
        raise ValueError(f"{name}: {expression!r} is outside {low}-{high}")
    if step == 0:
        raise ValueError(f"{name}: the step of {expression!r} is 0")
    return set(range(start, end + 1, step)), star and step == 1


class Cron:
    """A Schedule's `schedule` as Chaos Mesh reads it (robfig/cron v3.0.1 with SecondOptional,
    Minute, Hour, Dom, Month, Dow and Descriptor); raises ValueError where Chaos Mesh refuses."""

    def __init__(self, expression: str) -> None:
        spec = expression
        if not spec:
            raise ValueError("the cron string is empty")
        self.zone: zoneinfo.ZoneInfo | None = None  # None: the controller's own clock
        if spec.startswith(("TZ=", "CRON_TZ=")):
            zone, _, spec = spec.partition(" ")
            try:
                self.zone = zoneinfo.ZoneInfo(zone.split("=", 1)[1])
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"{zone!r} is not a time zone") from None
            spec = spec.strip()
        self.every: float | None = None
        if spec.startswith("@every "):
            if not is_go_duration(spec.removeprefix("@every ")):
                raise ValueError(f"{spec!r}: not a Go duration after @every")
            self.every = parse_duration(spec.removeprefix("@every "))
            return
        if spec.startswith("@"):
            if spec not in _DESCRIPTORS:
                raise ValueError(f"{spec!r} is not a descriptor")
            spec = _DESCRIPTORS[spec]
        fields = spec.split()
        if len(fields) == 5:
            fields.insert(0, "0")
        if len(fields) != 6:
            raise ValueError(f"{expression!r} has {len(fields)} fields, not 5 or 6")
        self.values: list[set[int]] = []
        self.stars: list[bool] = []
        for text, (name, low, high, names) in zip(fields, _FIELDS, strict=True):
            values, star = set(), False
            for part in filter(None, text.split(",")):
                part_values, part_star = _cron_range(part, name, low, high, names)
                values |= part_values
                star = star or part_star
            self.values.append(values)
            self.stars.append(star)

    def _day_matches(self, moment: datetime) -> bool:
        day = moment.day in self.values[3]
        weekday = moment.isoweekday() % 7 in self.values[5]
        if self.stars[3] or self.stars[5]:
            return day and weekday
        return day or weekday  # cron's rule: both day fields restricted means either one

    def runs(self, start: datetime, span: timedelta) -> Iterator[datetime]:
        """Every moment in [start, start + span) at which the schedule fires."""
        if self.every is not None:
            raise ValueError("@every runs relative to the Schedule's creation, not on a timetable")
        second, minute, hour, _, month, _ = self.values
        moment = start.replace(second=0, microsecond=0)
        while moment < start + span:
            local = moment.astimezone(self.zone) if self.zone else moment
            if (
                local.minute in minute
                and local.hour in hour
                and local.month in month
                and self._day_matches(local)
            ):
                for run in sorted(moment.replace(second=s) for s in second):
                    if start <= run < start + span:
                        yield run
            moment += timedelta(minutes=1)


def _schedule(spec: dict, path: str) -> list[Refusal]:
    refusals = []
    try:
        Cron(str(spec.get("schedule", "")))
    except ValueError as error:
        refusals.append(Refusal("cron", f"{path}.schedule", str(error)))
    kind = spec.get("type")
    key = "workflow" if kind == "Workflow" else EMBED_KEYS.get(kind)
    if key is None or spec.get(key) is None:
        what = f"no {key} spec" if key else "not a kind a Schedule can create"
        return [*refusals, Refusal("schedule-type", f"{path}.type", f"{kind!r}: {what}")]
    if kind == "Workflow":
        return refusals + _workflow(spec[key], f"{path}.{key}")
    return refusals + _chaos(kind, spec[key], f"{path}.{key}")


# --- Workflow --------------------------------------------------------------------------------

_DNS_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS_SUBDOMAIN = re.compile(rf"{_DNS_LABEL}(\.{_DNS_LABEL})*")
_NOT_USED_BY = {  # template type -> what it must not carry (workflow_webhook.go validateTemplate)
    "Suspend": ("no-task", "no-children", "no-branches", "no-chaos", "no-schedule"),
    "Serial": ("no-task", "no-branches", "no-chaos", "no-schedule"),
    "Parallel": ("no-task", "no-branches", "no-chaos", "no-schedule"),
    "Schedule": ("no-task", "no-children", "no-branches", "no-chaos"),
    "Task": ("no-children", "no-chaos", "no-schedule"),
    "StatusCheck": ("no-task", "no-children", "no-branches", "no-chaos", "no-schedule"),
    **{kind: ("no-task", "no-children", "no-branches", "no-schedule") for kind in EMBED_KEYS},
}
_CARRIES = {
    "no-task": lambda t: t.get("task") is not None,
    "no-children": lambda t: bool(t.get("children")),
    "no-branches": lambda t: bool(t.get("conditionalBranches")),
    "no-chaos": lambda t: any(t.get(key) is not None for key in EMBED_KEYS.values()),
    "no-schedule": lambda t: t.get("schedule") is not None,
}


def _template(template: dict, path: str, names: set[str]) -> list[Refusal]:
    refusals = []
    name = template.get("name") or ""
    if not (len(name) <= 253 and _DNS_SUBDOMAIN.fullmatch(name)):
        refusals.append(
            Refusal("template-name", f"{path}.name", f"{name!r} is not a DNS-1123 name")
        )
    kind = template.get("templateType")
    if kind not in _NOT_USED_BY:
        return [*refusals, Refusal("template-type", f"{path}.templateType", f"{kind!r} is unknown")]
    if kind in ("Schedule", "StatusCheck"):
        # The workflow webhook leaves their specs to the webhook of the object they create.
        raise NotPorted(f"{path}: the admission rules of {kind} are not ported to {__name__}")
    refusals += [
        Refusal(rule, path, f"a {kind} template carries {rule.removeprefix('no-')}")
        for rule in _NOT_USED_BY[kind]
        if _CARRIES[rule](template)
    ]
    if kind == "Suspend" and not template.get("deadline"):
        refusals.append(Refusal("suspend-deadline", f"{path}.deadline", "a Suspend needs one"))
    for index, child in enumerate(template.get("children") or []):
        if kind in ("Serial", "Parallel") and child not in names:
            where = f"{path}.children[{index}]"
            refusals.append(Refusal("children-exist", where, f"no template {child!r}"))
    if kind in EMBED_KEYS:
        spec = template.get(EMBED_KEYS[kind])
        if spec is None:
            key = EMBED_KEYS[kind]
            return [*refusals, Refusal("chaos-spec-required", f"{path}.{key}", "missing")]
        if spec.get("duration") is not None:
            refusals.append(
                Refusal(
                    "no-duration-in-workflow",
                    f"{path}.{EMBED_KEYS[kind]}.duration",
                    "a Workflow's chaos carries no duration: the template's deadline sets it",
                )
            )
            spec = {key: value for key, value in spec.items() if key != "duration"}
        refusals += _chaos(kind, spec, f"{path}.{EMBED_KEYS[kind]}")
    return refusals


def _workflow(spec: dict, path: str) -> list[Refusal]:
    refusals = []
    templates = spec.get("templates") or []
    names = [template.get("name") or "" for template in templates]
    entry = spec.get("entry") or ""
    if entry not in names or not entry:
        refusals.append(Refusal("workflow-entry", f"{path}.entry", f"no template {entry!r}"))
    if not templates:
        return [*refusals, Refusal("workflow-templates", f"{path}.templates", "none")]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        refusals.append(
            Refusal("template-names-unique", f"{path}.templates", f"duplicated: {duplicates}")
        )
    for index, template in enumerate(templates):
        refusals += _template(template, f"{path}.templates[{index}]", set(names))
    return refusals


def admit(obj: dict) -> list[Refusal]:
    """What Chaos Mesh 2.8.3's validating webhooks would refuse in `obj` (empty: admitted)."""
    kind, spec = obj.get("kind", ""), obj.get("spec") or {}
    if kind == "Schedule":
        return _schedule(spec, "spec")
    if kind == "Workflow":
        return _workflow(spec, "spec")
    return _chaos(kind, spec, "spec")
