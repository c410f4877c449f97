"""``spinecare kb test`` runner for intervention-eligibility scenarios.

Input kind ``intervention_record``: an evaluation record (relative dates resolved against the
scenario's ``as_of``). Expectations:
- ``eligibility: {procedure: eligible | not-eligible | cannot-decide}``
- ``criteria: {procedure.criterion: met | not-met | data-needed}``
- ``needs: [fact]`` — each among the data needed by some procedure
- ``rule_set: text`` — contained in the name of the rule set used
- ``error: field`` — the record is expected to fail validation on this field
Every run also checks the safety invariant: no procedure is eligible while any of its
criteria is not met or needs data.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from spinecare.core.knowledge_base import KnowledgeBase, Scenario

KIND = "intervention_record"
EXPECT = frozenset({"eligibility", "criteria", "needs", "rule_set", "error"})


def run_scenario_report(kb: KnowledgeBase, scenario: Scenario, profile: str) -> Any:
    """The InterventionsReport of a scenario (for tests); raises on invalid input."""
    from spinecare.core.assurance import resolve_relative_dates
    from spinecare.core.evaluation.evaluate import evaluate
    from spinecare.core.evaluation.record import EvaluationRecord
    from spinecare.core.interventions.eligibility import evaluate_interventions

    as_of = dt.date.fromisoformat(scenario.as_of)
    data = resolve_relative_dates(scenario.input[KIND], as_of)
    record = EvaluationRecord.model_validate({**data, "profile": profile})
    assessment = evaluate(record, kb, as_of=as_of)
    return evaluate_interventions(assessment, record, kb)


def assurance_runner(kb: KnowledgeBase, scenario: Scenario, profile: str) -> list[str]:
    expect = scenario.expect
    try:
        report = run_scenario_report(kb, scenario, profile)
    except ValueError as exc:  # pydantic's ValidationError (core does not import pydantic)
        errors = getattr(exc, "errors", None)
        first: dict[str, Any] = errors()[0] if callable(errors) else {"loc": (), "msg": str(exc)}
        loc = ".".join(str(p) for p in first["loc"])
        if "error" in expect:
            return [] if loc == expect["error"] else [f"error on {loc}, expected {expect['error']}"]
        return [f"record does not validate: {loc}: {first['msg']}"]
    if "error" in expect:
        return [f"expected an error on '{expect['error']}', but the record validated"]
    f: list[str] = []
    by_id = {p.procedure: p for p in report.procedures}
    for p in report.procedures:
        if p.status == "eligible" and any(c.status != "met" for c in p.criteria):
            f.append(f"SAFETY: {p.procedure} eligible with a criterion not met")
    for proc, want in (expect.get("eligibility") or {}).items():
        got = by_id.get(proc)
        if got is None or got.status != want:
            f.append(
                f"eligibility.{proc}: expected {want}, got "
                f"{got.summary if got else 'not evaluated under ' + profile}"
            )
    for key, want in (expect.get("criteria") or {}).items():
        proc, _, cid = key.partition(".")
        p = by_id.get(proc)
        crit = next((c for c in p.criteria if c.id == cid), None) if p else None
        if crit is None:
            f.append(f"criteria.{key}: no such criterion under {profile}")
        elif crit.status != want:
            f.append(f"criteria.{key}: expected {want}, got {crit.status}")
    needed = {m for p in report.procedures for c in p.criteria for m in c.missing}
    f += [
        f"expected '{n}' among data needed; got {sorted(needed)}"
        for n in expect.get("needs", [])
        if n not in needed
    ]
    if "rule_set" in expect and str(expect["rule_set"]) not in report.rule_set:
        f.append(f"rule_set: expected it to name {expect['rule_set']!r}, got {report.rule_set!r}")
    return f
