"""The ``episode`` scenario kind of ``spinecare kb test``: follow-up vignettes.

A scenario gives ``input.episode`` (an Episode; relative dates resolve against ``as_of``) and
the expected follow-up outputs. Whatever the expectations, every run also asserts the safety
invariants: a new or more urgent red flag leads the report, and every opioid taper proposed is
no faster than the cited maximum in tables/follow-up.yaml.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from spinecare.core.errors import UserError
from spinecare.core.knowledge_base import KnowledgeBase, Scenario

EXPECT_KEYS = frozenset(
    {
        "red_flags",
        "new_red_flags",
        "reopen_evaluation",
        "episode_status",
        "outcomes",
        "outcomes_vs_previous",
        "adjustments",
        "not_adjustments",
        "fires",
        "does_not_fire",
        "needs",
        "contacts",
        "goals",
        "procedure_relief",
        "risk_group",
        "error",
    }
)


def run_episode(kb: KnowledgeBase, scenario: Scenario, profile: str) -> list[str]:
    from spinecare.core.assurance import resolve_relative_dates
    from spinecare.core.followup.engine import TABLE, follow_up
    from spinecare.core.followup.episode import Episode

    as_of = dt.date.fromisoformat(scenario.as_of)
    expect: Mapping[str, Any] = scenario.expect
    data = resolve_relative_dates(scenario.input["episode"], as_of)
    try:
        base = dict(data.get("baseline", {}))
        base["profile"] = profile
        episode = Episode.model_validate({**data, "baseline": base})
        report = follow_up(episode, kb, as_of=as_of)
    except UserError as exc:
        if "error" in expect:
            return (
                []
                if exc.field == expect["error"]
                else [f"error on {exc.field}, expected {expect['error']}"]
            )
        return [f"follow-up failed: {exc}"]
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        return [f"episode does not validate: {exc}"]
    if "error" in expect:
        return [f"expected an error on '{expect['error']}', but the follow-up succeeded"]
    f: list[str] = []
    # Safety invariants, checked in every scenario.
    if report.new_red_flags and not report.red_flags[0].leads:
        f.append("invariant: a new red flag does not lead the report")
    if report.new_red_flags and next(iter(report.to_dict())) != "reopen_evaluation":
        f.append("invariant: the report does not start with the red flags")
    limit = kb.tables.get(TABLE, {}).get("opioid_taper", {}).get("max_percent_per_month")
    for a in report.adjustments:
        rate = a.details.get("taper_percent_per_month")
        if rate is not None and (limit is None or rate > limit):
            f.append(f"invariant: taper of {rate} %/month exceeds the cited {limit}")
    flags = sorted({r.flag for r in report.red_flags})
    if "red_flags" in expect and sorted(set(expect["red_flags"])) != flags:
        f.append(f"red_flags: expected {sorted(set(expect['red_flags']))}, got {flags}")
    new = sorted({r.flag for r in report.new_red_flags})
    if "new_red_flags" in expect and sorted(set(expect["new_red_flags"])) != new:
        f.append(f"new_red_flags: expected {sorted(set(expect['new_red_flags']))}, got {new}")
    if "reopen_evaluation" in expect and report.reopen_evaluation != expect["reopen_evaluation"]:
        f.append(
            f"reopen_evaluation: expected {expect['reopen_evaluation']}, got {report.reopen_evaluation}"
        )
    if "episode_status" in expect and report.episode_status != expect["episode_status"]:
        f.append(
            f"episode_status: expected {expect['episode_status']}, got {report.episode_status}"
        )
    by_inst = {o.instrument: o for o in report.outcomes}
    for key, attr in (
        ("outcomes", "classification"),
        ("outcomes_vs_previous", "classification_vs_previous"),
    ):
        for inst, want in (expect.get(key) or {}).items():
            got = getattr(by_inst[inst], attr) if inst in by_inst else None
            if got != want:
                f.append(f"{key}.{inst}: expected {want}, got {got}")
    actions = [a.action for a in report.adjustments]
    f += [
        f"expected adjustment {a}; got {actions}"
        for a in expect.get("adjustments", [])
        if a not in actions
    ]
    f += [
        f"did not expect adjustment {a}" for a in expect.get("not_adjustments", []) if a in actions
    ]
    fired = {ref.partition("@")[0] for ref in report.rules_fired}
    undecided = {ref.partition("@")[0] for ref in report.rules_undecided}
    f += [f"expected {r} to fire" for r in expect.get("fires", []) if r not in fired]
    for r in expect.get("does_not_fire", []):
        if r in fired or r in undecided:
            f.append(
                f"expected {r} not to fire, but it {'fired' if r in fired else 'was undecided'}"
            )
    needed = {d.fact for d in report.data_needed}
    f += [
        f"expected '{n}' among data needed; got {sorted(needed)}"
        for n in expect.get("needs", [])
        if n not in needed
    ]
    contacts = {c.id: c.status for c in report.schedule}
    for cid, want in (expect.get("contacts") or {}).items():
        if contacts.get(cid) != want:
            f.append(f"contacts.{cid}: expected {want}, got {contacts.get(cid, 'not scheduled')}")
    goals = {g.goal: g.status for g in report.goals}
    for gid, want in (expect.get("goals") or {}).items():
        if goals.get(gid) != want:
            f.append(f"goals.{gid}: expected {want}, got {goals.get(gid, 'no such goal')}")
    relief = {p.procedure: p.meets_threshold for p in report.procedure_relief}
    for proc, want in (expect.get("procedure_relief") or {}).items():
        if relief.get(proc, "none") != want:
            f.append(f"procedure_relief.{proc}: expected {want}, got {relief.get(proc)}")
    if "risk_group" in expect and report.risk_group != expect["risk_group"]:
        f.append(f"risk_group: expected {expect['risk_group']}, got {report.risk_group}")
    return f
