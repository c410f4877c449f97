"""Runner for ``surgery_record`` scenarios (``spinecare kb test``): the surgical referral.

Input: ``{surgery_record: <evaluation record>}``. Every scenario also checks the safety
invariant: each emergency or urgent surgical referral is among the plan's first actions.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from spinecare.core.errors import UserError
from spinecare.core.knowledge_base import KnowledgeBase, Scenario

EXPECT = frozenset(
    {
        "red_flags",
        "urgency",
        "referrals",
        "not_indicated",
        "not_not_indicated",
        "provisional",
        "needs",
        "fires",
        "does_not_fire",
        "adr",
        "adr_criteria",
    }
)


def assurance_runner(kb: KnowledgeBase, scenario: Scenario, profile: str) -> list[str]:
    from spinecare.core.assurance import resolve_relative_dates
    from spinecare.core.evaluation.evaluate import evaluate
    from spinecare.core.evaluation.record import EvaluationRecord
    from spinecare.core.plan.compose import compose_plan
    from spinecare.core.surgery.referral import TOP_URGENCIES, surgical_referral

    as_of = dt.date.fromisoformat(scenario.as_of)
    data = resolve_relative_dates(scenario.input["surgery_record"], as_of)
    try:
        record = EvaluationRecord.model_validate({**data, "profile": profile})
        a = evaluate(record, kb, as_of=as_of)
    except UserError as exc:
        return [f"evaluation failed: {exc}"]
    except ValueError as exc:  # pydantic's ValidationError (core does not import pydantic)
        return [f"record does not validate: {exc}"]
    d = surgical_referral(record, a, kb)
    plan = compose_plan(a, kb, record=record)
    e = scenario.expect
    f: list[str] = []
    fired = {ref.partition("@")[0] for ref in d.rules_fired}
    if "red_flags" in e:
        flags = sorted({r.flag for r in a.red_flags})
        if sorted(set(e["red_flags"])) != flags:
            f.append(f"red_flags: expected {sorted(set(e['red_flags']))}, got {flags}")
    if "urgency" in e and d.urgency != e["urgency"]:
        f.append(f"urgency: expected {e['urgency']}, got {d.urgency}")
    got_referrals = [r.procedure for r in d.referrals]
    if "referrals" in e and sorted(e["referrals"]) != sorted(got_referrals):
        f.append(f"referrals: expected {sorted(e['referrals'])}, got {sorted(got_referrals)}")
    ni = {r.procedure for r in d.not_indicated}
    f += [
        f"expected {p} not indicated; got {sorted(ni)}"
        for p in e.get("not_indicated", [])
        if p not in ni
    ]
    f += [f"did not expect {p} not indicated" for p in e.get("not_not_indicated", []) if p in ni]
    if "provisional" in e and d.provisional != e["provisional"]:
        f.append(f"provisional: expected {e['provisional']}, got {d.provisional}")
    f += [
        f"expected '{n}' among data needed; got {list(d.data_needed)}"
        for n in e.get("needs", [])
        if n not in d.data_needed
    ]
    f += [f"expected {r} to fire" for r in e.get("fires", []) if r not in fired]
    f += [f"expected {r} not to fire" for r in e.get("does_not_fire", []) if r in fired]
    adr = d.disc_replacement
    if "adr" in e:
        got = adr.verdict if adr else None
        if got != e["adr"]:
            f.append(f"adr: expected {e['adr']}, got {got}")
    criteria = {c.id: c.status for c in adr.criteria} if adr else {}
    for cid, want in (e.get("adr_criteria") or {}).items():
        if criteria.get(cid) != want:
            f.append(f"adr_criteria.{cid}: expected {want}, got {criteria.get(cid)}")
    # Safety invariant: every emergency/urgent surgical referral is at the top of the plan.
    f += _top_of_plan(plan, [r.to_dict() for r in d.referrals if r.urgency in TOP_URGENCIES])
    return f


def _top_of_plan(plan: Any, urgent: list[dict[str, Any]]) -> list[str]:
    actions = list(plan.urgent_actions)
    out = []
    for r in urgent:
        if not any(
            a.get("kind") == "surgical-referral" and a["title"] == r["summary"] for a in actions
        ):
            out.append(f"invariant: {r['urgency']} surgical referral missing from the plan's top")
    keys = list(plan.to_dict())
    if urgent and keys.index("urgent_actions") > keys.index("phases"):
        out.append("invariant: urgent actions are not before the phases in the plan JSON")
    return out
