"""The stored Assessment (``Assessment.result`` JSON) as something a template can show.

Reads only the stored result: the engine is not run again, so the page shows what was concluded
under the KB version pinned on the Assessment. The KB in use is consulted only for words (a
fact's definition, a source's short title); when it is not loaded the ids are shown instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse

from spinecare.core.knowledge_base import KnowledgeBase
from spinecare.web.evaluations.steps import (
    DEMOGRAPHIC_FACTS,
    STEP_BY_SLUG,
    humanise,
    targets_for_fact,
)

URGENCY_WORDS = {
    "emergency": "Emergency",
    "urgent": "Urgent",
    "soon": "Soon",
    "routine": "Routine",
}
RATING_WORDS = {
    "usually-appropriate": "Usually appropriate",
    "may-be-appropriate": "May be appropriate",
    "usually-not-appropriate": "Usually not appropriate",
    "not-rated": "Not rated",
}
# Fact names that read badly when only the underscores are replaced.
FACT_WORDS = {
    "slr_positive": "straight-leg raise reproduces leg pain",
    "slr_min_angle": "smallest straight-leg-raise angle",
    "slr_average_angle": "average straight-leg-raise angle",
    "crossed_slr_positive": "crossed straight-leg raise positive",
    "min_myotome_grade": "weakest myotome (MRC grade)",
    "weak_root_count": "roots with weakness",
    "egfr": "eGFR",
    "iv_drug_use": "intravenous drug use",
    "sij_positive_tests": "positive SIJ provocation tests",
    "sij_tests_done": "SIJ provocation tests done",
    "nsaid_response_48h": "improves within 48 h of an NSAID",
    "fabq_score": "FABQ work score",
    "fabq_pa": "FABQ physical activity score",
    "odi_score": "ODI score",
    "rmdq_score": "RMDQ score",
    "nrs_score": "pain NRS",
    "peg_score": "PEG score",
    "phq2_score": "PHQ-2 score",
    "gad2_score": "GAD-2 score",
    "start_back_score": "STarT Back total",
    "start_back_psychosocial": "STarT Back psychosocial subscale",
    "start_back_risk_group": "STarT Back risk group",
    "phq2_risk_group": "PHQ-2 screen",
    "gad2_risk_group": "GAD-2 screen",
}
# Keys of a conclusion that are not details to list (ids, or shown elsewhere).
_CONCLUSION_KEYS = {"category", "summary", "basis", "classification", "diagnosis", "flag"}


@dataclass(frozen=True)
class Finding:
    label: str
    value: str


@dataclass(frozen=True)
class CitationView:
    text: str  # "BASS 2018, standards-of-care"
    ref: str  # "src.bass-2018#standards-of-care"
    title: str
    url: str


@dataclass(frozen=True)
class BasisView:
    rule: str  # rule_id@version
    title: str
    findings: list[Finding]
    citations: list[CitationView]
    rationale: str

    @property
    def rule_id(self) -> str:
        return self.rule.partition("@")[0]

    @property
    def rule_version(self) -> str:
        return self.rule.partition("@")[2]


@dataclass(frozen=True)
class RedFlagView:
    flag: str
    title: str
    urgency: str
    urgency_word: str
    action: str
    findings: list[Finding]
    basis: BasisView


@dataclass(frozen=True)
class Link:
    url: str
    text: str


@dataclass(frozen=True)
class DataNeededView:
    fact: str
    question: str
    needed_for: list[str]
    links: list[Link]
    note: str = ""


@dataclass(frozen=True)
class ConclusionView:
    summary: str
    details: list[Finding]
    basis: BasisView | None


@dataclass(frozen=True)
class DiagnosisView:
    title: str
    icd10cm: str
    likelihood: str
    findings_for: list[Finding]
    findings_against: list[str]
    bases: list[BasisView]


@dataclass(frozen=True)
class ScoreView:
    instrument: str
    name: str
    score: str
    band: str
    risk_group: str
    interpretation: str


@dataclass
class AssessmentPage:
    red_flags: list[RedFlagView]
    highest_urgency: str
    red_flag_questions: list[DataNeededView]
    localisation: list[dict[str, Any]]
    imaging: dict[str, Any]
    stratification: list[ConclusionView]
    scores: list[ScoreView]
    diagnoses: list[DiagnosisView]
    classifications: list[ConclusionView]
    other: list[ConclusionView]
    data_needed: list[DataNeededView]
    trace: dict[str, Any] = field(default_factory=dict)


class _Words:
    """Labels for facts and citations, from the KB when it is loaded."""

    def __init__(self, kb: KnowledgeBase | None) -> None:
        self.kb = kb

    def fact(self, name: str) -> str:
        return FACT_WORDS.get(name, name.replace("_", " "))

    @property
    def instrument_ids(self) -> frozenset[str]:
        return frozenset(self.kb.instruments) if self.kb else frozenset()

    def question(self, name: str, stored: str) -> str:
        return stored or name.replace("_", " ")

    def citation(self, ref: str) -> CitationView:
        source_id, _, section = ref.partition("#")
        source = self.kb.sources.get(source_id) if self.kb else None
        if source is None:
            return CitationView(ref, ref, "", "")
        short = source.short or f"{source.issuer} {source.year}"
        text = f"{short}, {section.replace('-', ' ')}" if section else short
        return CitationView(text, ref, source.title, source.url)


def _value(value: Any) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if value is None:
        return "unknown"
    if isinstance(value, list | tuple):
        return ", ".join(_value(v) for v in value) or "none"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return humanise(str(value))


def _findings(words: _Words, findings: Mapping[str, Any]) -> list[Finding]:
    return [Finding(words.fact(k), _value(v)) for k, v in findings.items()]


def _basis(words: _Words, basis: Mapping[str, Any] | None) -> BasisView | None:
    if not basis:
        return None
    return BasisView(
        rule=basis.get("rule", ""),
        title=basis.get("title", ""),
        findings=_findings(words, basis.get("findings") or {}),
        citations=[words.citation(c) for c in basis.get("cites") or []],
        rationale=" ".join(str(basis.get("rationale") or "").split()),
    )


def _conclusion(words: _Words, c: Mapping[str, Any]) -> ConclusionView:
    details = [
        Finding(k.replace("_", " ").capitalize(), _value(v))
        for k, v in c.items()
        if k not in _CONCLUSION_KEYS and v not in (None, "", [], {})
    ]
    return ConclusionView(c.get("summary", ""), details, _basis(words, c.get("basis")))


def _data_needed(
    words: _Words, items: list[Mapping[str, Any]], evaluation_id: int
) -> list[DataNeededView]:
    out = []
    for d in items:
        fact = d.get("fact", "")
        links = [
            Link(
                reverse("evaluations:step", args=[evaluation_id, t.step])
                + f"?at={t.anchor}#{t.anchor}",
                STEP_BY_SLUG[t.step].title,
            )
            for t in targets_for_fact(fact, words.instrument_ids)
        ]
        note = (
            "From the patient's details: correct them there." if fact in DEMOGRAPHIC_FACTS else ""
        )
        out.append(
            DataNeededView(
                fact=fact,
                question=words.question(fact, d.get("question", "")),
                needed_for=list(d.get("needed_for") or []),
                links=links,
                note=note,
            )
        )
    return out


def assessment_page(
    result: Mapping[str, Any], *, evaluation_id: int, kb: KnowledgeBase | None
) -> AssessmentPage:
    """Everything the assessment page shows, in the order it shows it."""
    words = _Words(kb)
    red_flags = []
    for f in result.get("red_flags") or []:
        basis = _basis(words, f.get("basis"))
        assert basis is not None
        red_flags.append(
            RedFlagView(
                flag=f.get("flag", ""),
                title=f.get("title", ""),
                urgency=f.get("urgency", ""),
                urgency_word=URGENCY_WORDS.get(f.get("urgency", ""), f.get("urgency", "")),
                action=f.get("action", ""),
                findings=basis.findings,
                basis=basis,
            )
        )
    needed = list(result.get("data_needed") or [])
    imaging = dict(result.get("imaging") or {})
    imaging_view = {
        "variant": imaging.get("acr_variant"),
        "variant_title": imaging.get("variant_title", ""),
        "ratings": [
            {
                "title": r.get("title", r.get("procedure", "")),
                "rating": r.get("rating", ""),
                "rating_word": RATING_WORDS.get(r.get("rating", ""), _value(r.get("rating"))),
            }
            for r in imaging.get("ratings") or []
        ],
        "statements": [_conclusion(words, s) for s in imaging.get("statements") or []],
        "order_check": imaging.get("order_check"),
        "basis": _basis(words, imaging.get("basis")),
    }
    if imaging_view["order_check"]:
        check = dict(imaging_view["order_check"])
        check["rating_word"] = RATING_WORDS.get(check.get("rating", ""), "")
        titles = {r.get("procedure"): r.get("title") for r in imaging.get("ratings") or []}
        if kb is not None:
            titles = {**kb.tables.get("acr-lbp-2021", {}).get("procedures", {}), **titles}
        check["title"] = titles.get(check.get("procedure")) or check.get("procedure", "")
        check["result_word"] = _value(check.get("result", "")).replace("-", " ")
        imaging_view["order_check"] = check
    scores = []
    for inst_id, s in (result.get("scores") or {}).items():
        inst = kb.instruments.get(inst_id) if kb else None
        scores.append(
            ScoreView(
                instrument=inst_id,
                name=inst.short_name if inst else inst_id,
                score=_value(s.get("score")),
                band=s.get("band") or "",
                risk_group=s.get("risk_group") or "",
                interpretation=s.get("interpretation") or "",
            )
        )
    localisation = [
        {
            "root": r.get("root"),
            "side": r.get("side"),
            "supporting": r.get("supporting") or [],
            "strength": r.get("strength"),
            "imaging": r.get("imaging"),
        }
        for r in result.get("localisation") or []
    ]
    return AssessmentPage(
        red_flags=red_flags,
        highest_urgency=URGENCY_WORDS.get(result.get("highest_urgency") or "", ""),
        red_flag_questions=_data_needed(
            words, [d for d in needed if d.get("priority") == "high"], evaluation_id
        ),
        localisation=localisation,
        imaging=imaging_view,
        stratification=[_conclusion(words, c) for c in result.get("stratification") or []],
        scores=scores,
        diagnoses=[
            DiagnosisView(
                title=d.get("title", ""),
                icd10cm=d.get("icd10cm", ""),
                likelihood=d.get("likelihood", ""),
                findings_for=_findings(words, d.get("findings_for") or {}),
                findings_against=list(d.get("findings_against") or []),
                bases=[b for b in (_basis(words, x) for x in d.get("basis") or []) if b],
            )
            for d in result.get("diagnoses") or []
        ],
        classifications=[_conclusion(words, c) for c in result.get("classifications") or []],
        other=[_conclusion(words, c) for c in result.get("other") or []],
        data_needed=_data_needed(
            words, [d for d in needed if d.get("priority") != "high"], evaluation_id
        ),
        trace=dict(result.get("trace") or {}),
    )
