"""Nerve-root localisation from the myotome, dermatome and reflex grid.

Which root each muscle, dermatome, reflex and nerve-tension test belongs to is knowledge
(``kb/tables/nerve-roots.yaml``); this module only counts the findings that point at a root on
each side and compares the result with the imaging findings.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spinecare.core.evaluation.assessment import RootLevel
from spinecare.core.evaluation.record import EvaluationRecord

SIDES = ("left", "right")


def localise(record: EvaluationRecord, table: Mapping[str, Any]) -> tuple[RootLevel, ...]:
    roots: Mapping[str, Mapping[str, Any]] = table.get("roots", {})
    x = record.exam
    found: list[RootLevel] = []
    for root, spec in roots.items():
        for side in SIDES:
            support: list[str] = []
            grade = _side(_row(x.myotomes, root), side)
            if grade is not None and grade < 5:
                support.append(f"{spec['myotome']} weakness (MRC {grade}/5)")
            sensation = _side(_row(x.dermatomes, root), side)
            if sensation in ("reduced", "absent"):
                support.append(
                    f"{sensation} sensation in the {root} dermatome ({spec['dermatome']})"
                )
            reflex = spec.get("reflex")
            if reflex:
                value = _side(_row(x.reflexes, reflex), side)
                if value in ("reduced", "absent"):
                    support.append(f"{value} {reflex} reflex")
            if not support:
                continue
            tension = spec.get("tension_test")
            if tension == "slr":
                slr = _side(x.slr, side)
                if slr is not None and slr.reproduces_leg_pain:
                    support.append("straight-leg raise reproduces leg pain")
            elif tension == "femoral_nerve_stretch" and _side(x.femoral_nerve_stretch, side):
                support.append("positive femoral nerve stretch test")
            found.append(
                RootLevel(
                    root, side, tuple(support), len(support), _imaging(record, table, root, side)
                )
            )
    found.sort(key=lambda r: (-r.strength, r.root, r.side))
    return tuple(found)


def _row(grid: Mapping[Any, Any], key: str) -> Any:
    return grid.get(key)


def _side(pair: Any, side: str) -> Any:
    return None if pair is None else getattr(pair, side)


def _imaging(record: EvaluationRecord, table: Mapping[str, Any], root: str, side: str) -> str:
    """Concordance with imaging that can show nerve roots (modalities listed in the table)."""
    root_imaging = set(table.get("root_imaging_modalities", []))
    studies = [s for s in record.imaging if s.modality in root_imaging]
    if not studies:
        return "no imaging of the nerve roots" if record.imaging else "no imaging"
    for study in studies:
        for f in study.findings:
            compressed = f.compresses_root or _root_at_level(table, f.kind, f.level, f.location)
            if compressed == root and (f.side in (None, "central", "both") or f.side == side):
                return "concordant"
    return "discordant"


def _root_at_level(
    table: Mapping[str, Any], kind: str, level: str | None, location: str | None
) -> str | None:
    """The root a finding at a disc level usually affects, by where the finding sits.

    Foraminal and extraforaminal findings (and foraminal stenosis) affect the exiting root;
    paracentral or unspecified herniations and lateral recess stenosis the traversing root;
    central findings are not attributed to one root.
    """
    if level is None or location == "central":
        return None
    exiting_kinds = table.get("exiting_root_findings", [])
    compressive = table.get("compressive_findings", [])
    if kind in exiting_kinds or (
        kind in compressive and location in ("foraminal", "extraforaminal")
    ):
        exiting: Mapping[str, str] = table.get("level_to_exiting_root", {})
        return exiting.get(level)
    if kind in compressive:
        traversing: Mapping[str, str] = table.get("level_to_root", {})
        return traversing.get(level)
    return None
