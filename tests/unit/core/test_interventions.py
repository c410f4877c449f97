"""Interventional eligibility (issue 5): the safety invariant over every intervention vignette,
the coverage of every criterion by a vignette, and the procedure-log mechanism.

Safety invariant: a procedure is never ``eligible`` while any of its criteria is not met or
needs data — checked for every vignette under BOTH profiles, and again after dropping facts
(each dropped fact must turn the answer into "cannot decide" or "not eligible", never keep an
"eligible" that hinged on it).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from spinecare.cli.context import kb_path
from spinecare.cli.main import app
from spinecare.core.assurance import resolve_relative_dates
from spinecare.core.evaluation.evaluate import evaluate
from spinecare.core.evaluation.record import EvaluationRecord, ProcedureRecord
from spinecare.core.interventions import check_table, evaluate_interventions, intervention_facts
from spinecare.core.interventions.assurance import KIND
from spinecare.core.interventions.eligibility import eligibility_from_facts
from spinecare.core.interventions.log import log_facts, months_between
from spinecare.core.knowledge_base import KnowledgeBase, Scenario
from spinecare.core.plan.compose import compose_plan
from spinecare.knowledge import load_kb

PROFILES = ("uk-nice", "us-acp-cdc")


@functools.cache
def _kb() -> KnowledgeBase:
    return load_kb(kb_path())


def _scenarios() -> list[Scenario]:
    return [s for s in _kb().scenarios if KIND in s.input and "error" not in s.expect]


def _record(s: Scenario, profile: str) -> tuple[EvaluationRecord, dt.date]:
    as_of = dt.date.fromisoformat(s.as_of)
    data = resolve_relative_dates(s.input[KIND], as_of)
    return EvaluationRecord.model_validate({**data, "profile": profile}), as_of


def _facts(s: Scenario, profile: str) -> dict[str, Any]:
    record, as_of = _record(s, profile)
    return intervention_facts(evaluate(record, _kb(), as_of=as_of), record, _kb())


def test_there_are_at_least_30_vignettes_across_both_profiles() -> None:
    scenarios = [s for s in _kb().scenarios if KIND in s.input]
    assert len(scenarios) >= 30
    assert {p for s in scenarios for p in s.profiles} >= set(PROFILES)


@pytest.mark.parametrize("profile", PROFILES)
def test_never_eligible_while_a_criterion_is_unmet_or_unknown(profile: str) -> None:
    seen = {"eligible": 0, "not-eligible": 0, "cannot-decide": 0}
    for s in _scenarios():
        record, as_of = _record(s, profile)
        report = evaluate_interventions(evaluate(record, _kb(), as_of=as_of), record, _kb())
        assert report.procedures, s.id
        for p in report.procedures:
            seen[p.status] += 1
            if p.status == "eligible":
                assert all(c.status == "met" for c in p.criteria), (s.id, p.procedure)
            elif p.status == "not-eligible":
                assert p.because, (s.id, p.procedure)
                assert any(
                    c.status == "not-met" and c.on_fail == "not-eligible" for c in p.criteria
                )
            else:
                assert p.needs, (s.id, p.procedure)
    assert all(seen.values()), seen  # the vignettes exercise every outcome


def test_an_eligible_result_becomes_undecided_when_a_criterion_s_facts_are_unknown() -> None:
    """For every eligible (vignette, procedure) and each of its criteria: forget the facts that
    criterion reads — the criterion must become "data needed" and the procedure must no longer
    be eligible (unknown is never read as a pass)."""
    checked = 0
    for s in _scenarios():
        for profile in s.profiles or ("uk-nice",):
            facts = _facts(s, profile)
            for p in eligibility_from_facts(facts, _kb(), profile):
                if p.status != "eligible":
                    continue
                for c in p.criteria:
                    read = {k for k, _ in c.findings}
                    reduced = {k: v for k, v in facts.items() if k not in read}
                    (again,) = eligibility_from_facts(
                        reduced, _kb(), profile, procedure=p.procedure
                    )
                    crit = next(x for x in again.criteria if x.id == c.id)
                    assert crit.status == "data-needed", (s.id, p.procedure, c.id)
                    assert again.status == "cannot-decide", (s.id, p.procedure, c.id)
                    assert crit.missing
                    assert read & set(crit.missing)
                    checked += 1
    assert checked > 100


def test_every_criterion_is_shown_failing_or_undecided_by_a_vignette() -> None:
    table = _kb().tables["interventions"]
    shown: set[tuple[str, str, str]] = set()
    for s in _kb().scenarios:
        if KIND not in s.input:
            continue
        for key, status in (s.expect.get("criteria") or {}).items():
            proc, _, cid = key.partition(".")
            if status in ("not-met", "data-needed"):
                shown |= {(proc, prof, cid) for prof in s.profiles}
    missing = [
        (pid, prof, c["id"])
        for pid, spec in table["procedures"].items()
        for prof, crits in spec["profiles"].items()
        for c in crits["criteria"]
        if (pid, prof, c["id"]) not in shown
    ]
    assert not missing


def test_the_table_compiles_against_the_declared_facts() -> None:
    assert check_table(_kb()) == []
    table = _kb().tables["interventions"]
    assert set(table["rule_sets"]) == set(PROFILES)
    for spec in table["procedures"].values():
        assert set(spec["profiles"]) == set(PROFILES)


def test_an_unknown_fact_in_a_criterion_is_reported() -> None:
    import copy

    kb = _kb()
    table = copy.deepcopy(kb.tables["interventions"])
    table["procedures"]["mbb"]["profiles"]["uk-nice"]["criteria"][0]["when"] = {
        "fact": "no_such_fact",
        "eq": True,
    }
    broken = type(kb).__new__(type(kb))
    for f in kb.__dataclass_fields__:  # type: ignore[attr-defined]
        object.__setattr__(broken, f, getattr(kb, f))
    object.__setattr__(broken, "tables", {**kb.tables, "interventions": table})
    problems = check_table(broken)
    assert problems
    assert "no_such_fact" in problems[0]


# ------------------------------------------------------------------ procedure-log mechanism

AS_OF = dt.date(2026, 6, 1)
SPECS: dict[str, dict[str, Any]] = {
    "n12": {"measure": "count", "types": ["esi-caudal"], "within_months": 12},
    "diag": {"measure": "count", "types": ["mbb", "facet-injection"], "diagnostic": True},
    "pos80": {
        "measure": "count_with_relief",
        "types": ["mbb"],
        "diagnostic": True,
        "min_relief": 80,
    },
    "since": {"measure": "months_since_last", "types": ["rfa"]},
    "last": {"measure": "last_best_relief", "types": ["esi-caudal"]},
}


def _p(t: str, d: str, relief: list[float] | None = None, **kw: Any) -> ProcedureRecord:
    reports = [{"days_after": 1, "percent_relief": r} for r in relief or []]
    return ProcedureRecord.model_validate({"type": t, "date": d, "relief": reports, **kw})


def test_log_not_taken_means_every_log_fact_unknown() -> None:
    assert log_facts(None, SPECS, as_of=AS_OF) == dict.fromkeys(SPECS)


def test_empty_log_means_zero_counts_and_unknown_relief() -> None:
    out = log_facts([], SPECS, as_of=AS_OF)
    assert out == {"n12": 0, "diag": 0, "pos80": 0, "since": None, "last": None}


def test_rolling_window_boundary_and_future_entries() -> None:
    log = [
        _p("esi-caudal", "2025-06-01"),  # exactly 12 months before: outside
        _p("esi-caudal", "2025-06-02"),  # inside
        _p("esi-caudal", "2026-07-01"),  # after the evaluation date: ignored
    ]
    assert log_facts(log, SPECS, as_of=AS_OF)["n12"] == 1


def test_months_between_counts_whole_calendar_months() -> None:
    assert months_between(dt.date(2025, 12, 1), AS_OF) == 6
    assert months_between(dt.date(2025, 12, 2), AS_OF) == 5
    assert months_between(dt.date(2024, 2, 29), dt.date(2025, 2, 28)) == 11


def test_positive_blocks_need_every_relief_reported() -> None:
    both = [_p("mbb", "2026-04-01", [85]), _p("mbb", "2026-05-01", [70, 90])]
    assert log_facts(both, SPECS, as_of=AS_OF)["pos80"] == 2  # best report of each block
    one_missing = [_p("mbb", "2026-04-01", [85]), _p("mbb", "2026-05-01")]
    assert log_facts(one_missing, SPECS, as_of=AS_OF)["pos80"] is None
    low = [_p("mbb", "2026-04-01", [79.5])]
    assert log_facts(low, SPECS, as_of=AS_OF)["pos80"] == 0


def test_purpose_unknown_makes_a_filtered_count_unknown_but_mbb_is_always_diagnostic() -> None:
    assert log_facts([_p("facet-injection", "2026-01-01")], SPECS, as_of=AS_OF)["diag"] is None
    log = [_p("mbb", "2026-01-01"), _p("facet-injection", "2026-02-01", diagnostic=False)]
    assert log_facts(log, SPECS, as_of=AS_OF)["diag"] == 1


def test_last_relief_reads_the_most_recent_procedure() -> None:
    log = [_p("esi-caudal", "2026-03-01", [30]), _p("esi-caudal", "2026-01-01", [90])]
    assert log_facts(log, SPECS, as_of=AS_OF)["last"] == 30
    log = [_p("rfa", "2025-11-15")]
    assert log_facts(log, SPECS, as_of=AS_OF)["since"] == 6


# ------------------------------------------------------------------ facts, plan and CLI


def _sciatica_record(**changes: Any) -> dict[str, Any]:
    s = next(s for s in _kb().scenarios if s.id == "esi-us-typical-l5-radiculopathy")
    data = resolve_relative_dates(s.input[KIND], dt.date.fromisoformat(s.as_of))
    data["evaluation_date"] = s.as_of
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("allergies", "screen", "want"),
    [
        (None, {}, None),
        ([], {}, False),
        (["IODINE (rash)"], {}, True),
        (["penicillin"], {"contrast_allergy": True}, True),
    ],
)
def test_contrast_allergy_from_allergies_or_screen(
    allergies: list[str] | None, screen: dict[str, Any], want: bool | None
) -> None:
    data = _sciatica_record()
    data["patient"] = {**data["patient"], "allergies": allergies}
    data["intervention_screen"] = {**data["intervention_screen"], **screen}
    record = EvaluationRecord.model_validate(data)
    as_of = dt.date.fromisoformat(data["evaluation_date"])
    facts = intervention_facts(evaluate(record, _kb(), as_of=as_of), record, _kb())
    assert facts.get("contrast_allergy") == want


def test_plan_carries_the_interventions_entry_for_the_interventional_phase() -> None:
    record = EvaluationRecord.model_validate({**_sciatica_record(), "profile": "us-acp-cdc"})
    assessment = evaluate(record, _kb(), as_of=dt.date(2026, 6, 1))
    plan = compose_plan(assessment, _kb(), record=record)
    entry = plan.extra["interventions"]
    assert entry["phase"] == "interventional"
    assert "Medicare" in entry["rule_set"]
    status = {p["procedure"]: p["status"] for p in entry["procedures"]}
    assert status["esi-transforaminal"] == "eligible"
    assert status["rfa"] == "not-eligible"
    assert "interventions" not in compose_plan(assessment, _kb()).extra  # needs the record


def test_cli_eligibility_json_and_text(tmp_path: Path) -> None:
    f = tmp_path / "rec.json"
    f.write_text(json.dumps({**_sciatica_record(), "profile": "uk-nice"}, default=str))
    runner = CliRunner()
    out = runner.invoke(app, ["eligibility", str(f), "--procedure", "rfa", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert "NICE NG59" in data["rule_set"]
    assert [p["procedure"] for p in data["procedures"]] == ["rfa"]
    assert data["procedures"][0]["status"] == "not-eligible"
    text = runner.invoke(app, ["eligibility", str(f)])
    assert text.exit_code == 0
    assert "NICE NG59" in text.output
    assert "ELIGIBLE" in text.output


def test_cli_unknown_procedure_is_a_user_error(tmp_path: Path) -> None:
    from spinecare.cli.main import main

    f = tmp_path / "rec.json"
    f.write_text(json.dumps(_sciatica_record(), default=str))
    with pytest.raises(SystemExit) as exc:
        main(["eligibility", str(f), "--procedure", "epidural"])
    assert exc.value.code == 2
