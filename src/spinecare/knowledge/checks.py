"""Cross-reference checks over a whole knowledge base (after each file has parsed).

- every citation resolves to a source; every active rule has a citation and evidence grade
  (the schema requires both for every rule);
- profiles and site configuration name rules that exist; the default profile exists;
- scenarios use a known input kind, declared facts with values of the right type, known
  rules, instruments and profiles, and only expectation keys their runner understands;
- every rule in force is shown firing by at least one scenario.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from pydantic import ValidationError

from spinecare.core.assurance import (
    EXPECT_KEYS,
    REQUIRED_EXPECT,
    input_kind,
    resolve_relative_dates,
)
from spinecare.core.errors import KBIssue, UserError
from spinecare.core.evaluation.record import EvaluationRecord
from spinecare.core.facts import normalise_facts
from spinecare.core.knowledge_base import KnowledgeBase, Scenario
from spinecare.core.text import did_you_mean
from spinecare.knowledge.instruments import instrument_issues
from spinecare.knowledge.then_checks import check_then


def cross_check(kb: KnowledgeBase) -> list[KBIssue]:
    issues: list[KBIssue] = []
    issues += _check_citations(kb)
    issues += _check_profiles(kb)
    issues += check_then(kb)
    for inst in kb.instruments.values():
        issues += instrument_issues(inst, set(kb.sources), f"instruments/{inst.id}/instrument.yaml")
    for scenario in kb.scenarios:
        issues += _check_scenario(kb, scenario)
    issues += _check_coverage(kb)
    issues += _check_drug_class_facts(kb)
    return issues


def _check_drug_class_facts(kb: KnowledgeBase) -> list[KBIssue]:
    """Every drug class has its facts ``on_<class>`` and ``allergic_to_<class>`` declared."""
    classes = kb.tables.get("drugs", {}).get("classes", {})
    phases = kb.tables.get("treatment-options", {}).get("phases", {})
    bad_phase = [
        KBIssue(
            "tables/drugs.yaml",
            f"data.drugs.{did}.phase",
            f"no phase '{d['phase']}' in tables/treatment-options.yaml",
        )
        for did, d in kb.tables.get("drugs", {}).get("drugs", {}).items()
        if d.get("phase") and d["phase"] not in phases
    ]
    return bad_phase + [
        KBIssue(
            "tables/drugs.yaml",
            f"data.classes.{cls}",
            f"declare the boolean fact '{name}' in facts/",
        )
        for cls in classes
        for name in (f"on_{cls}", f"allergic_to_{cls}")
        if name not in kb.facts
    ]


def _check_citations(kb: KnowledgeBase) -> list[KBIssue]:
    issues = []
    for rule in kb.rules:
        for i, cite in enumerate(rule.cites):
            if cite.source not in kb.sources:
                issues.append(
                    KBIssue(
                        rule.source_file,
                        f"cites.{i}",
                        f"citation '{cite}' does not resolve: no source '{cite.source}'"
                        f"{did_you_mean(cite.source, kb.sources)}",
                    )
                )
    return issues


def _check_profiles(kb: KnowledgeBase) -> list[KBIssue]:
    issues = []
    if kb.default_profile not in kb.profiles:
        issues.append(
            KBIssue(
                "kb.yaml",
                "default_profile",
                f"no profile '{kb.default_profile}'{did_you_mean(kb.default_profile, kb.profiles)}",
            )
        )
    for profile in kb.profiles.values():
        for rule_id in profile.disabled:
            if rule_id not in kb.rules_by_id:
                issues.append(
                    KBIssue(
                        f"profiles/{profile.id}.yaml",
                        "disabled_rules",
                        f"no rule '{rule_id}'{did_you_mean(rule_id, kb.rules_by_id)}",
                    )
                )
    return issues


def _check_scenario(kb: KnowledgeBase, s: Scenario) -> list[KBIssue]:
    issues: list[KBIssue] = []

    def bad(key: str, message: str) -> None:
        issues.append(KBIssue(s.file, key, message))

    kind = input_kind(s)
    if kind is None:
        bad("input", f"needs one of: {', '.join(EXPECT_KEYS)}")
        return issues
    for profile in s.profiles:
        if profile not in kb.profiles:
            bad("profiles", f"no profile '{profile}'{did_you_mean(profile, kb.profiles)}")
    for key in s.expect:
        if key not in EXPECT_KEYS[kind]:
            bad(
                f"expect.{key}",
                f"unknown expectation{did_you_mean(key, EXPECT_KEYS[kind])}; "
                f"{kind} scenarios understand {', '.join(sorted(EXPECT_KEYS[kind]))}",
            )
    for key in sorted(REQUIRED_EXPECT.get(kind, frozenset()) - set(s.expect)):
        bad(f"expect.{key}", f"{kind} scenarios must state {key} (an empty list when none)")
    if kind == "record":
        _check_record(s, bad)
        for key in ("fires", "does_not_fire"):
            for i, rule_id in enumerate(s.expect.get(key, [])):
                if rule_id not in kb.rules_by_id:
                    bad(
                        f"expect.{key}.{i}",
                        f"no rule '{rule_id}'{did_you_mean(rule_id, kb.rules_by_id)}",
                    )
    if kind == "facts":
        try:
            normalise_facts(kb.facts, s.input["facts"])
        except UserError as exc:
            bad(f"input.facts.{exc.field}", exc.message)
        for key in ("fires", "does_not_fire", "undecided"):
            for i, rule_id in enumerate(s.expect.get(key, [])):
                if rule_id not in kb.rules_by_id:
                    bad(
                        f"expect.{key}.{i}",
                        f"no rule '{rule_id}'{did_you_mean(rule_id, kb.rules_by_id)}",
                    )
        for i, fact in enumerate(s.expect.get("needs", [])):
            if fact not in kb.facts:
                bad(f"expect.needs.{i}", f"unknown fact '{fact}'{did_you_mean(fact, kb.facts)}")
    elif kind == "instrument":
        inst = s.input["instrument"]
        if inst not in kb.instruments:
            bad(
                "input.instrument",
                f"no instrument '{inst}'{did_you_mean(str(inst), kb.instruments)}",
            )
    return issues


def _check_coverage(kb: KnowledgeBase) -> list[KBIssue]:
    shown: set[str] = set()
    for s in kb.scenarios:
        shown.update(s.expect.get("fires", []))
    return [
        KBIssue(
            rule.source_file,
            "id",
            f"rule '{rule.id}' is not shown firing by any scenario "
            "(add one to scenarios/ with expect.fires)",
        )
        for rule in kb.rules
        if rule.status != "retired" and rule.id not in shown
    ]


def _check_record(s: Scenario, bad: Callable[[str, str], None]) -> None:
    """The record of a record scenario must validate, so a typo cannot hide a finding."""
    data = resolve_relative_dates(s.input["record"], dt.date.fromisoformat(s.as_of))
    try:
        EvaluationRecord.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            bad("input.record." + ".".join(str(p) for p in err["loc"]), err["msg"])
