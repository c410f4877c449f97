"""Facts about the patient's medicines, allergies and treatment history, for the safety rules.

Three-valued like every fact: ``on_<class>`` is true when a recognised current medicine is in
that class, false only when the medicine list was taken and every entry was recognised, and
unknown otherwise (a medicine we cannot classify could be an anticoagulant). Allergies:
``allergic_to_<class>`` is true when an allergy names a drug of that class (or the class),
false when the allergy list was taken, unknown when it was not. The drug table
(``tables/drugs.yaml``) holds the classes, names and RxNorm codes; this module only matches.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from typing import Any

from spinecare.core.evaluation.record import EvaluationRecord

_WORD = re.compile(r"[a-z0-9]+")


def medicine_facts(
    record: EvaluationRecord, table: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str], list[str]]:
    """Return (facts, unrecognised medicines, unmatched allergies)."""
    classes: Mapping[str, str] = table.get("classes", {})
    drugs: Mapping[str, Any] = table.get("drugs", {})
    if not classes:
        return {}, [], []
    by_code: dict[str, str] = {}
    by_name: dict[str, str] = {}
    for did, drug in drugs.items():
        for code in drug.get("rxnorm", []):
            by_code[code] = did
        for name in drug.get("names", []):
            by_name[name] = did
    facts: dict[str, Any] = {}
    unrecognised: list[str] = []
    meds = record.patient.medications
    if meds is not None:
        present: set[str] = set()
        for med in meds:
            if not med.active:
                continue
            matches = (
                [by_code[med.rxnorm]]
                if med.rxnorm in by_code
                else match_drug_names(med.name, by_name)
            )
            if not matches:
                unrecognised.append(med.name)
            for did in matches:
                present.update(drugs[did]["classes"])
        for cls in classes:
            facts[f"on_{cls}"] = True if cls in present else (None if unrecognised else False)
    unmatched: list[str] = []
    allergies = record.patient.allergies
    if allergies is not None:
        allergic: set[str] = set()
        for text in allergies:
            hits = _allergy_classes(text, by_name, drugs, classes)
            if hits:
                allergic |= hits
            else:
                unmatched.append(text)
        for cls in classes:
            facts[f"allergic_to_{cls}"] = cls in allergic
    tried = record.patient.prior_treatments
    if tried is not None:
        failed: set[str] = set()
        for t in tried:
            if t.response in ("no_effect", "worse", "not_tolerated"):
                failed |= _allergy_classes(t.treatment, by_name, drugs, classes)
        facts["failed_drug_classes"] = sorted(failed)
    return facts, unrecognised, unmatched


def _normal(text: str) -> str:
    return " ".join(_WORD.findall(text.lower().replace("_", " ")))


def match_drug_names(text: str, by_name: Mapping[str, str]) -> list[str]:
    """Every drug whose name appears in the text (a combination product names several);
    failing that, the drug closest to a misspelt word ("ibuprofin")."""
    joined = _normal(text)
    found = [
        did
        for name, did in by_name.items()
        if re.search(rf"\b{re.escape(_normal(name))}\b", joined)
    ]
    if found:
        return list(dict.fromkeys(found))
    for word in joined.split():
        close = difflib.get_close_matches(word, list(by_name), n=1, cutoff=0.85)
        if close:
            return [by_name[close[0]]]
    return []


def _allergy_classes(
    text: str, by_name: Mapping[str, str], drugs: Mapping[str, Any], classes: Mapping[str, str]
) -> set[str]:
    lowered = _normal(text)
    hits = {
        cls
        for cls in classes
        if re.search(rf"\b{re.escape(_normal(cls.replace('-', ' ')))}s?\b", lowered)
    }
    for did in match_drug_names(text, by_name):
        hits.update(drugs[did]["classes"])
    return hits
