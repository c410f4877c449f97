"""Working diagnoses: the diagnoses table, the diagnosis rules that reach it, and the ranking.

The engine lists a diagnosis when at least one ``diagnosis`` rule for it fires; it is "likely"
when any of those rules says likely. ``diagnosis_against`` rules attach findings against a
diagnosis already listed (they never add one). Order: likely before possible, then diagnoses
with no finding against before those with one, then the table's rank (lower first).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

import pytest
from pydantic import ValidationError

from spinecare.core.assurance import resolve_relative_dates
from spinecare.core.conditions import compile_condition
from spinecare.core.errors import UserError
from spinecare.core.evaluation.assessment import Diagnosis
from spinecare.core.evaluation.evaluate import evaluate
from spinecare.core.evaluation.record import EvaluationRecord
from spinecare.core.knowledge_base import Citation, KnowledgeBase, Rule
from spinecare.knowledge import load_kb

AS_OF = dt.date(2026, 1, 1)
# ICD-10-CM: a letter, two digits (or digit + A/B as in M45.A-), then up to four characters
# after the dot (the 7th-character codes use X placeholders, e.g. M80.08XA). U is not used.
ICD10CM = re.compile(r"^[A-TV-Z][0-9][0-9AB](\.[0-9A-TV-Z]{1,4})?$")
# Codes SpineCare's reviewers checked as billable leaf codes (tables/diagnoses.yaml description);
# a change to a code must be a deliberate, re-verified edit of this test too.
VERIFIED_CODES = {
    "nonspecific-low-back-pain": "M54.50",
    "radiculopathy-disc-herniation": "M51.16",
    "lumbar-spinal-stenosis": "M48.062",
    "spondylolisthesis": "M43.16",
    "facet-joint-pain": "M47.816",
    "sacroiliac-joint-pain": "M53.3",
    "discogenic-pain": "M51.360",
    "axial-spondyloarthritis": "M45.A6",
    "vertebral-fracture-osteoporotic": "M80.08XA",
    "vertebral-fracture-traumatic": "S32.009A",
    "spinal-malignancy": "C79.51",
    "spinal-infection": "M46.26",
    "cauda-equina-syndrome": "G83.4",
    "abdominal-aortic-aneurysm": "I71.40",
    "hip-osteoarthritis": "M16.9",
}
# Header (non-billable) codes that an author might reach for by mistake.
NON_BILLABLE_HEADERS = {
    "M54.5",
    "M48.06",
    "M51.36",
    "M51.1",
    "M45",
    "M45.A",
    "I71.4",
    "C79.5",
    "M43.1",
}


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_kb()


def catalogue(kb: KnowledgeBase) -> Mapping[str, Mapping[str, Any]]:
    table: Mapping[str, Mapping[str, Any]] = kb.tables["diagnoses"]["diagnoses"]
    return table


# ---------------------------------------------------------------- the table


def test_every_code_is_icd10cm_shaped_and_not_a_header(kb: KnowledgeBase) -> None:
    """Each ICD-10-CM code has the code-set's shape and is not a known non-billable header."""
    for dx_id, entry in catalogue(kb).items():
        assert ICD10CM.match(entry["icd10cm"]), (dx_id, entry["icd10cm"])
        assert entry["icd10cm"] not in NON_BILLABLE_HEADERS, (dx_id, entry["icd10cm"])


def test_codes_are_unique_per_diagnosis(kb: KnowledgeBase) -> None:
    """No two diagnoses share an ICD-10-CM code (or a SNOMED CT code, where given)."""
    entries = catalogue(kb).values()
    icd = [e["icd10cm"] for e in entries]
    assert len(icd) == len(set(icd))
    snomed = [e["snomed"] for e in entries if e.get("snomed")]
    assert len(snomed) == len(set(snomed))


def test_table_holds_the_required_differential_with_verified_codes(kb: KnowledgeBase) -> None:
    """The issue's differential is present, each with the code that was verified."""
    got = {dx_id: entry["icd10cm"] for dx_id, entry in catalogue(kb).items()}
    assert got == VERIFIED_CODES


def test_serious_pathology_ranks_before_benign_diagnoses(kb: KnowledgeBase) -> None:
    """Among equals, serious pathology and non-spinal emergencies are listed first."""
    rank = {dx_id: entry["rank"] for dx_id, entry in catalogue(kb).items()}
    serious = [
        "cauda-equina-syndrome",
        "spinal-malignancy",
        "spinal-infection",
        "abdominal-aortic-aneurysm",
        "vertebral-fracture-traumatic",
        "vertebral-fracture-osteoporotic",
    ]
    benign = [d for d in rank if d not in serious]
    assert max(rank[d] for d in serious) < min(rank[d] for d in benign)
    assert rank["nonspecific-low-back-pain"] == max(rank.values())


# ---------------------------------------------------------------- the rules


def test_every_diagnosis_is_reachable_by_a_rule(kb: KnowledgeBase) -> None:
    """Each diagnosis in the table is named by at least one diagnosis rule in both profiles."""
    for profile in ("uk-nice", "us-acp-cdc"):
        named = {r.then["diagnosis"] for r in kb.rules_for(profile, "diagnosis")}
        assert named == set(catalogue(kb)), (profile, set(catalogue(kb)) ^ named)


def test_every_against_rule_concerns_a_diagnosis_that_can_be_listed(kb: KnowledgeBase) -> None:
    """A finding against is only ever shown next to a diagnosis, so it needs a supporting rule."""
    supported = {r.then["diagnosis"] for r in kb.rules if r.category == "diagnosis"}
    for rule in kb.rules:
        if rule.category == "diagnosis_against":
            assert rule.then["diagnosis"] in supported, rule.id


def test_every_diagnosis_is_shown_by_a_scenario(kb: KnowledgeBase) -> None:
    """Every diagnosis appears in some vignette's expected diagnoses or as its top diagnosis."""
    shown: set[str] = set()
    for s in kb.scenarios:
        shown.update(s.expect.get("diagnoses", []))
        if "top_diagnosis" in s.expect:
            shown.add(s.expect["top_diagnosis"])
    assert set(catalogue(kb)) <= shown, set(catalogue(kb)) - shown


def test_listed_diagnoses_are_ranked_in_every_record_scenario(kb: KnowledgeBase) -> None:
    """On every vignette: serious pathology first, then likely > no finding against > rank."""
    checked = 0
    for s in kb.scenarios:
        if "record" not in s.input:
            continue
        as_of = dt.date.fromisoformat(s.as_of)
        data = resolve_relative_dates(s.input["record"], as_of)
        for profile in s.profiles or (kb.default_profile,):
            try:
                record = EvaluationRecord.model_validate({**data, "profile": profile})
                dxs = evaluate(record, kb, as_of=as_of).diagnoses
            except (ValidationError, UserError):
                continue  # vignettes that expect an input error are tested by `kb test`
            keys = [_order_key(d) for d in dxs]
            assert keys == sorted(keys), (s.id, [d.id for d in dxs])
            checked += 1
    assert checked > 25


def _order_key(d: Diagnosis) -> tuple[bool, bool, bool, int, str]:
    return (not d.serious, d.likelihood != "likely", bool(d.findings_against), d.rank, d.id)


# ---------------------------------------------------------------- ranking, constructed KB

TABLE = {
    "diagnoses": {
        "serious": {"title": "Serious", "icd10cm": "G83.4", "rank": 1},
        "middle": {"title": "Middle", "icd10cm": "M48.062", "rank": 20},
        "benign": {"title": "Benign", "icd10cm": "M54.50", "rank": 90},
    }
}


def _rule(kb: KnowledgeBase, rule_id: str, category: str, fact: str, then: dict[str, Any]) -> Rule:
    return Rule(
        id=rule_id,
        version="1.0.0",
        status="draft",
        title=rule_id,
        category=category,
        when=compile_condition({"fact": fact, "eq": True}, kb.facts),
        then={"summary": rule_id, **then},
        strength="not-graded",
        evidence_quality="not-graded",
        cites=(Citation.parse("src.acp-2007#recommendation-1"),),
        rationale="A rule constructed for the ranking test.",
    )


@pytest.fixture(scope="module")
def toy_kb(kb: KnowledgeBase) -> KnowledgeBase:
    """The packaged KB with only these rules, each keyed to one boolean history fact."""
    spec = [  # rule id, category, the boolean history fact it reads, diagnosis, likelihood
        ("rule.t.serious-possible", "diagnosis", "fever", "serious", "possible"),
        ("rule.t.middle-possible", "diagnosis", "night_pain", "middle", "possible"),
        ("rule.t.benign-possible", "diagnosis", "rest_pain", "benign", "possible"),
        ("rule.t.benign-likely", "diagnosis", "thoracic_pain", "benign", "likely"),
        ("rule.t.serious-against", "diagnosis_against", "weight_loss", "serious", None),
        ("rule.t.middle-against", "diagnosis_against", "recurrent", "middle", None),
    ]
    rules = tuple(
        _rule(kb, rule_id, category, fact, {"diagnosis": dx, "likelihood": likelihood})
        if likelihood
        else _rule(kb, rule_id, category, fact, {"diagnosis": dx})
        for rule_id, category, fact, dx, likelihood in spec
    )
    return dataclasses.replace(kb, rules=rules, tables={**kb.tables, "diagnoses": TABLE})


def _ranked(toy_kb: KnowledgeBase, **history: bool) -> list[tuple[str, str, int]]:
    record = EvaluationRecord.model_validate({"history": history})
    return [
        (d.id, d.likelihood, len(d.findings_against))
        for d in evaluate(record, toy_kb, as_of=AS_OF).diagnoses
    ]


def test_rank_orders_equals(toy_kb: KnowledgeBase) -> None:
    """Possible diagnoses without findings against are listed by table rank."""
    assert _ranked(toy_kb, fever=True, night_pain=True, rest_pain=True) == [
        ("serious", "possible", 0),
        ("middle", "possible", 0),
        ("benign", "possible", 0),
    ]


def test_likely_comes_before_possible_whatever_the_rank(toy_kb: KnowledgeBase) -> None:
    """A likely diagnosis leads, even with the worst rank; likely wins over possible for it."""
    assert _ranked(toy_kb, fever=True, rest_pain=True, thoracic_pain=True) == [
        ("benign", "likely", 0),
        ("serious", "possible", 0),
    ]


def test_a_finding_against_lowers_but_does_not_remove(toy_kb: KnowledgeBase) -> None:
    """Among possibles, one with a finding against falls below those without it."""
    assert _ranked(toy_kb, fever=True, night_pain=True, rest_pain=True, weight_loss=True) == [
        ("middle", "possible", 0),
        ("benign", "possible", 0),
        ("serious", "possible", 1),
    ]


def test_findings_against_keep_rank_order_among_themselves(toy_kb: KnowledgeBase) -> None:
    """Two diagnoses that both have findings against are still ordered by rank."""
    assert _ranked(toy_kb, fever=True, night_pain=True, weight_loss=True, recurrent=True) == [
        ("serious", "possible", 1),
        ("middle", "possible", 1),
    ]


def test_an_against_rule_alone_adds_no_diagnosis(toy_kb: KnowledgeBase) -> None:
    """A finding against a diagnosis that no rule supports is not shown at all."""
    assert _ranked(toy_kb, weight_loss=True, recurrent=True) == []


def test_unknown_facts_list_nothing(toy_kb: KnowledgeBase) -> None:
    """With none of the facts known, no diagnosis is listed (unknown is not yes)."""
    assert _ranked(toy_kb) == []


def test_serious_possible_diagnosis_leads_a_likely_benign_one(kb: KnowledgeBase) -> None:
    """Cauda equina syndrome (possible) is listed above a likely radiculopathy: ruled out, not buried."""
    record = EvaluationRecord.model_validate(
        {
            "patient": {"age": 40},
            "history": {
                "pain_sites": ["axial", "below_knee"],
                "leg_pain_worse_than_back": True,
                "urinary_retention": True,
            },
            "exam": {"slr": {"left": {"angle": 35, "reproduces_leg_pain": True}}},
        }
    )
    dxs = evaluate(record, kb, as_of=dt.date(2026, 1, 1)).diagnoses
    ids = [d.id for d in dxs]
    assert ids[0] == "cauda-equina-syndrome", ids
    assert dxs[0].serious
