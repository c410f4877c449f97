"""Running the knowledge base's own clinical test cases (``spinecare kb test``).

A scenario gives an input (facts for the rules, answers for an instrument, and later a whole
evaluation record) and the outputs a clinician expects. Each input kind has a runner that
produces the actual outputs, and a set of expectation keys it understands; ``knowledge.checks``
rejects scenarios with unknown keys at load time, so a typo cannot make a test pass.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from spinecare.core.errors import UserError
from spinecare.core.evaluation.evaluate import evaluate
from spinecare.core.evaluation.record import EvaluationRecord
from spinecare.core.facts import normalise_facts
from spinecare.core.followup import assurance_runner as followup_assurance
from spinecare.core.instruments.scoring import score
from spinecare.core.interventions import assurance as interventions_assurance
from spinecare.core.knowledge_base import KnowledgeBase, Scenario
from spinecare.core.rules import data_needed, run_rules
from spinecare.core.surgery import assurance as surgery_assurance

SCORE_TOLERANCE = 0.005


@dataclass(frozen=True, slots=True)
class ScenarioOutcome:
    scenario: Scenario
    profile: str
    failures: tuple[str, ...] = field(default=())

    @property
    def passed(self) -> bool:
        return not self.failures


Runner = Callable[[KnowledgeBase, Scenario, str], list[str]]


def input_kind(scenario: Scenario) -> str | None:
    for kind in RUNNERS:
        if kind in scenario.input:
            return kind
    return None


def scenario_profiles(kb: KnowledgeBase, scenario: Scenario) -> tuple[str, ...]:
    return scenario.profiles or (kb.default_profile,)


def run_scenario(kb: KnowledgeBase, scenario: Scenario) -> list[ScenarioOutcome]:
    """Run one scenario under each of its profiles."""
    kind = input_kind(scenario)
    if kind is None:
        return [ScenarioOutcome(scenario, "-", ("no runnable input",))]
    runner = RUNNERS[kind]
    return [
        ScenarioOutcome(scenario, profile, tuple(runner(kb, scenario, profile)))
        for profile in scenario_profiles(kb, scenario)
    ]


def run_all(kb: KnowledgeBase) -> list[ScenarioOutcome]:
    return [outcome for s in kb.scenarios for outcome in run_scenario(kb, s)]


# ------------------------------------------------------------------ facts → rules


def _run_facts(kb: KnowledgeBase, scenario: Scenario, profile: str) -> list[str]:
    facts = normalise_facts(kb.facts, scenario.input["facts"])
    results = run_rules(kb.rules_for(profile), facts)
    by_id = {r.rule.id: r for r in results}
    expect = scenario.expect
    failures: list[str] = []
    for rule_id in expect.get("fires", []):
        r = by_id.get(rule_id)
        if r is None:
            failures.append(f"expected {rule_id} to fire, but it is not in force under {profile}")
        elif not r.fired:
            state = "was undecided" if r.undecided else "did not fire"
            need = f" (needs {', '.join(sorted(r.missing))})" if r.undecided else ""
            failures.append(f"expected {rule_id} to fire, but it {state}{need}")
    for rule_id in expect.get("does_not_fire", []):
        r = by_id.get(rule_id)
        if r is not None and r.truth is not False:
            state = "fired" if r.fired else f"was undecided (needs {', '.join(sorted(r.missing))})"
            failures.append(f"expected {rule_id} not to fire, but it {state}")
    for rule_id in expect.get("undecided", []):
        r = by_id.get(rule_id)
        if r is None or not r.undecided:
            failures.append(f"expected {rule_id} to be undecided (data needed), but it was not")
    needed = set(data_needed(results))
    for fact in expect.get("needs", []):
        if fact not in needed:
            failures.append(f"expected '{fact}' among data needed; got {sorted(needed) or 'none'}")
    return failures


# ------------------------------------------------------------------ instrument answers


def _run_instrument(kb: KnowledgeBase, scenario: Scenario, profile: str) -> list[str]:
    inst = kb.instruments[scenario.input["instrument"]]
    expect = scenario.expect
    try:
        result = score(inst, scenario.input.get("answers", []))
    except UserError as exc:
        if "error" in expect:
            return (
                []
                if exc.field == expect["error"]
                else [
                    f"expected an error on '{expect['error']}', got one on '{exc.field}': {exc.message}"
                ]
            )
        return [f"scoring failed: {exc}"]
    if "error" in expect:
        return [f"expected an error on '{expect['error']}', but it scored {result.score}"]
    actual = result.to_dict()
    failures: list[str] = []
    for key in ("score", "band", "risk_group"):
        if key in expect:
            failures += _compare(key, expect[key], actual.get(key))
    for name, want in (expect.get("subscales") or {}).items():
        failures += _compare(f"subscales.{name}", want, (actual.get("subscales") or {}).get(name))
    return failures


def _compare(key: str, want: Any, got: Any) -> list[str]:
    if isinstance(want, int | float) and not isinstance(want, bool):
        ok = isinstance(got, int | float) and abs(got - want) <= SCORE_TOLERANCE
    else:
        ok = want == got
    return [] if ok else [f"{key}: expected {want!r}, got {got!r}"]


# ------------------------------------------------------------------ evaluation records

_RELATIVE = re.compile(r"^([+-]\d+)([dw])$")


def resolve_relative_dates(data: Any, as_of: dt.date) -> Any:
    """Replace ``"-6w"`` / ``"-10d"`` strings with dates relative to ``as_of`` (recursively)."""
    if isinstance(data, dict):
        return {k: resolve_relative_dates(v, as_of) for k, v in data.items()}
    if isinstance(data, list):
        return [resolve_relative_dates(v, as_of) for v in data]
    if isinstance(data, str) and (m := _RELATIVE.match(data)):
        n = int(m.group(1))
        return (as_of + dt.timedelta(days=n * (7 if m.group(2) == "w" else 1))).isoformat()
    return data


def _run_record(kb: KnowledgeBase, scenario: Scenario, profile: str) -> list[str]:
    as_of = dt.date.fromisoformat(scenario.as_of)
    expect = scenario.expect
    data = resolve_relative_dates(scenario.input["record"], as_of)
    try:
        record = EvaluationRecord.model_validate({**data, "profile": profile})
        a = evaluate(record, kb, as_of=as_of)
    except ValidationError as exc:
        return [f"record does not validate: {exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}"]
    except UserError as exc:
        if "error" in expect:
            return (
                []
                if exc.field == expect["error"]
                else [f"error on {exc.field}, expected {expect['error']}"]
            )
        return [f"evaluation failed: {exc}"]
    if "error" in expect:
        return [f"expected an error on '{expect['error']}', but the evaluation succeeded"]
    from spinecare.core.plan.compose import compose_plan

    plan = compose_plan(a, kb, record=record)
    fired = {f.ref.partition("@")[0] for f in a.trace.fired}
    fired |= {ref.partition("@")[0] for ref in plan.rules_fired}
    f: list[str] = []
    flags = sorted({r.flag for r in a.red_flags})
    if sorted(set(expect["red_flags"])) != flags:
        f.append(f"red_flags: expected {sorted(set(expect['red_flags']))}, got {flags}")
    if "urgency" in expect and (a.highest_urgency or "none") != expect["urgency"]:
        f.append(f"urgency: expected {expect['urgency']}, got {a.highest_urgency or 'none'}")
    f += [f"expected {r} to fire" for r in expect.get("fires", []) if r not in fired]
    undecided = {ref.partition("@")[0] for ref in (*a.trace.undecided, *plan.rules_undecided)}
    for r in expect.get("does_not_fire", []):
        if r in fired or r in undecided:
            f.append(
                f"expected {r} not to fire, but it {'fired' if r in fired else 'was undecided'}"
            )
    needed = {d.fact: d.priority for d in a.data_needed}
    f += [
        f"expected '{n}' among data needed; got {sorted(needed)}"
        for n in expect.get("needs", [])
        if n not in needed
    ]
    f += [
        f"expected '{n}' as high-priority data needed"
        for n in expect.get("needs_high", [])
        if needed.get(n) != "high"
    ]
    if "acr_variant" in expect and a.imaging.variant != expect["acr_variant"]:
        f.append(f"acr_variant: expected {expect['acr_variant']}, got {a.imaging.variant}")
    ratings = {r.procedure: r.rating for r in a.imaging.ratings}
    for proc, want in (expect.get("ratings") or {}).items():
        if ratings.get(proc) != want:
            f.append(f"ratings.{proc}: expected {want}, got {ratings.get(proc)}")
    if "imaging_order" in expect:
        got = (a.imaging.order_check or {}).get("result")
        if got != expect["imaging_order"]:
            f.append(f"imaging_order: expected {expect['imaging_order']}, got {got}")
    dx = [d.id for d in a.diagnoses]
    f += [f"expected diagnosis {d}; got {dx}" for d in expect.get("diagnoses", []) if d not in dx]
    f += [f"did not expect diagnosis {d}" for d in expect.get("not_diagnoses", []) if d in dx]
    if "top_diagnosis" in expect and next(iter(dx), None) != expect["top_diagnosis"]:
        f.append(f"top_diagnosis: expected {expect['top_diagnosis']}, got {dx[:1]}")
    if "risk_group" in expect:
        got = a.scores.get("start_back", {}).get("risk_group")
        if got != expect["risk_group"]:
            f.append(f"risk_group: expected {expect['risk_group']}, got {got}")
    roots = [f"{r.root}-{r.side}" for r in a.localisation]
    f += [
        f"expected localisation {r}; got {roots}"
        for r in expect.get("localisation", [])
        if r not in roots
    ]
    if "top_root" in expect and next(iter(roots), None) != expect["top_root"]:
        f.append(f"top_root: expected {expect['top_root']}, got {roots[:1]}")
    concord = {f"{r.root}-{r.side}": r.imaging for r in a.localisation}
    for root, want in (expect.get("imaging_concordance") or {}).items():
        if concord.get(root) != want:
            f.append(f"imaging_concordance.{root}: expected {want}, got {concord.get(root)}")
    f += _check_plan(plan, expect)
    classes = {c.details.get("classification") for c in a.classifications}
    f += [
        f"expected classification {c}; got {sorted(map(str, classes))}"
        for c in expect.get("classifications", [])
        if c not in classes
    ]
    f += [
        f"did not expect classification {c}"
        for c in expect.get("not_classifications", [])
        if c in classes
    ]
    return f


PLAN_KEYS = (
    "proposed",
    "data_needed_options",
    "not_offered",
    "excluded",
    "cautioned",
    "goals",
    "plan_on_hold",
)


def _check_plan(plan: Any, expect: Mapping[str, Any]) -> list[str]:
    if not any(k in expect for k in PLAN_KEYS):
        return []
    status = {i.option: i.status for i in plan.items}
    f: list[str] = []
    for key, want in (
        ("proposed", "proposed"),
        ("data_needed_options", "data-needed"),
        ("not_offered", "not-offered"),
        ("excluded", "excluded"),
    ):
        for option in expect.get(key, []):
            if status.get(option) != want:
                f.append(
                    f"{key}: expected {option} {want}, got {status.get(option, 'not considered')}"
                )
    cautioned = {i.option for i in plan.items if i.cautions and i.status == "proposed"}
    f += [f"expected a caution on {o}" for o in expect.get("cautioned", []) if o not in cautioned]
    goals = {g.id for g in plan.goals}
    f += [
        f"expected goal {g}; got {sorted(goals)}" for g in expect.get("goals", []) if g not in goals
    ]
    if "plan_on_hold" in expect:
        held = any(p.on_hold for p in plan.phases)
        if held != expect["plan_on_hold"]:
            f.append(f"plan_on_hold: expected {expect['plan_on_hold']}, got {held}")
    return f


RUNNERS: dict[str, Runner] = {
    "facts": _run_facts,
    "instrument": _run_instrument,
    "record": _run_record,
    "intervention_record": interventions_assurance.assurance_runner,
    "episode": followup_assurance.run_episode,
    "surgery_record": surgery_assurance.assurance_runner,
}

EXPECT_KEYS: Mapping[str, frozenset[str]] = {
    "facts": frozenset({"fires", "does_not_fire", "undecided", "needs"}),
    "instrument": frozenset({"score", "subscales", "band", "risk_group", "error"}),
    "record": frozenset(
        {
            "red_flags",
            "urgency",
            "fires",
            "does_not_fire",
            "needs",
            "needs_high",
            "acr_variant",
            "ratings",
            "imaging_order",
            "diagnoses",
            "not_diagnoses",
            "top_diagnosis",
            "risk_group",
            "localisation",
            "top_root",
            "imaging_concordance",
            "classifications",
            "not_classifications",
            "error",
            *PLAN_KEYS,
        }
    ),
    "intervention_record": interventions_assurance.EXPECT,
    "episode": followup_assurance.EXPECT_KEYS,
    "surgery_record": surgery_assurance.EXPECT,
}
REQUIRED_EXPECT: Mapping[str, frozenset[str]] = {"record": frozenset({"red_flags"})}
