"""Nerve-root localisation: the shipped nerve-root table applied by ``localise``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from spinecare.core.evaluation.localise import localise
from spinecare.core.evaluation.record import EvaluationRecord
from spinecare.knowledge import default_kb_path
from spinecare.knowledge.tables import NerveRootTable


@pytest.fixture(scope="module")
def table() -> dict[str, Any]:
    """The ``data`` of kb/tables/nerve-roots.yaml, checked against its model."""
    path = Path(default_kb_path()) / "tables" / "nerve-roots.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return NerveRootTable.model_validate(raw["data"]).model_dump()


def record(exam: dict[str, Any], imaging: list[dict[str, Any]] | None = None) -> EvaluationRecord:
    return EvaluationRecord.model_validate({"exam": exam, "imaging": imaging or []})


L5_LEFT = {
    "myotomes": {
        "L4": {"left": 5, "right": 5},
        "L5": {"left": 4, "right": 5},
        "S1": {"left": 5, "right": 5},
    },
    "dermatomes": {"L5": {"left": "reduced", "right": "normal"}},
    "reflexes": {"achilles": {"left": "normal", "right": "normal"}},
    "slr": {"left": {"angle": 40, "reproduces_leg_pain": True}},
}

S1_RIGHT = {
    "myotomes": {"S1": {"left": 5, "right": 4}},
    "dermatomes": {"S1": {"left": "normal", "right": "reduced"}},
    "reflexes": {"achilles": {"left": "normal", "right": "absent"}},
    "slr": {"right": {"angle": 35, "reproduces_leg_pain": True}},
}


def mri(*findings: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"modality": "mri", "findings": list(findings)}]


def test_l5_pattern_localises_to_l5_left_first(table: dict[str, Any]) -> None:
    """Weak long toe extensor 4/5, reduced L5 dermatome and a positive SLR on the left → L5-left."""
    roots = localise(record(L5_LEFT), table)
    top = roots[0]
    assert (top.root, top.side) == ("L5", "left")
    assert top.strength == 3
    assert any("Long toe extensors" in s and "MRC 4/5" in s for s in top.supporting)
    assert any("reduced sensation in the L5 dermatome" in s for s in top.supporting)
    assert "straight-leg raise reproduces leg pain" in top.supporting
    assert [(r.root, r.side) for r in roots] == [("L5", "left")]


def test_s1_pattern_with_absent_achilles(table: dict[str, Any]) -> None:
    """Weak plantar flexion, lateral heel numbness and an absent ankle jerk point at S1 on that side."""
    roots = localise(record(S1_RIGHT), table)
    top = roots[0]
    assert (top.root, top.side) == ("S1", "right")
    assert "absent achilles reflex" in top.supporting
    assert top.strength == 4  # myotome, dermatome, reflex, straight-leg raise


def test_reduced_patellar_reflex_supports_l3_and_l4_and_l4_leads(table: dict[str, Any]) -> None:
    """The patellar reflex is L3-L4; the key muscle and dermatome decide between them."""
    exam = {
        "myotomes": {"L4": {"left": 4, "right": 5}},
        "dermatomes": {"L4": {"left": "reduced", "right": "normal"}},
        "reflexes": {"patellar": {"left": "reduced", "right": "normal"}},
        "femoral_nerve_stretch": {"left": True, "right": False},
    }
    roots = localise(record(exam), table)
    assert [(r.root, r.side, r.strength) for r in roots] == [("L4", "left", 4), ("L3", "left", 2)]
    assert "positive femoral nerve stretch test" in roots[0].supporting


def test_tension_test_alone_does_not_localise(table: dict[str, Any]) -> None:
    """A positive SLR only supports a root that a deficit already points at."""
    exam = {
        "myotomes": {"L5": {"left": 5, "right": 5}},
        "slr": {"left": {"reproduces_leg_pain": True}},
    }
    assert localise(record(exam), table) == ()


def test_bilateral_pattern_gives_both_sides(table: dict[str, Any]) -> None:
    exam = {
        "myotomes": {"L5": {"left": 4, "right": 4}},
        "dermatomes": {"L5": {"left": "reduced", "right": "reduced"}},
    }
    roots = localise(record(exam), table)
    assert [(r.root, r.side) for r in roots] == [("L5", "left"), ("L5", "right")]


@pytest.mark.parametrize(
    ("imaging", "expected"),
    [
        (mri({"kind": "disc_herniation", "level": "L4-L5", "side": "left"}), "concordant"),
        (mri({"kind": "disc_herniation", "level": "L4-L5", "side": "central"}), "concordant"),
        (mri({"kind": "lateral_recess_stenosis", "level": "L4-L5", "side": "left"}), "concordant"),
        (mri({"kind": "disc_herniation", "level": "L4-L5", "side": "right"}), "discordant"),
        (mri({"kind": "disc_herniation", "level": "L5-S1", "side": "left"}), "discordant"),
        (mri({"kind": "central_stenosis", "level": "L4-L5"}), "discordant"),
        (mri({"kind": "normal"}), "discordant"),
        (None, "no imaging"),
    ],
    ids=[
        "paracentral-L4-L5-same-side",
        "central-L4-L5",
        "lateral-recess-L4-L5",
        "wrong-side",
        "wrong-level",
        "central-stenosis-not-mapped",
        "normal-mri",
        "no-imaging",
    ],
)
def test_imaging_concordance_for_l5_left(
    table: dict[str, Any], imaging: list[dict[str, Any]] | None, expected: str
) -> None:
    """A paracentral herniation compresses the root traversing the level (L4-L5 → L5)."""
    top = localise(record(L5_LEFT, imaging), table)[0]
    assert (top.root, top.side, top.imaging) == ("L5", "left", expected)


def test_foraminal_herniation_compresses_root_overrides_level_default(
    table: dict[str, Any],
) -> None:
    """A foraminal L4-L5 herniation that the report says compresses L4 is concordant with L4 signs."""
    exam = {
        "myotomes": {"L4": {"left": 5, "right": 4}},
        "dermatomes": {"L4": {"left": "normal", "right": "reduced"}},
    }
    foraminal = {
        "kind": "disc_herniation",
        "level": "L4-L5",
        "side": "right",
        "compresses_root": "L4",
    }
    default = {"kind": "disc_herniation", "level": "L4-L5", "side": "right"}
    assert localise(record(exam, mri(foraminal)), table)[0].imaging == "concordant"
    assert localise(record(exam, mri(default)), table)[0].imaging == "discordant"


def test_foraminal_stenosis_counts_only_when_root_is_named(table: dict[str, Any]) -> None:
    """Foraminal stenosis compresses the exiting root, so the traversing-root default is not used."""
    unnamed = {"kind": "foraminal_stenosis", "level": "L4-L5", "side": "left"}
    named = {
        "kind": "foraminal_stenosis",
        "level": "L5-S1",
        "side": "left",
        "compresses_root": "L5",
    }
    assert localise(record(L5_LEFT, mri(unnamed)), table)[0].imaging == "discordant"
    assert localise(record(L5_LEFT, mri(named)), table)[0].imaging == "concordant"


def test_no_findings_localise_to_nothing(table: dict[str, Any]) -> None:
    assert localise(EvaluationRecord(), table) == ()


def test_normal_examination_localises_to_nothing(table: dict[str, Any]) -> None:
    roots = ("L2", "L3", "L4", "L5", "S1")
    exam = {
        "myotomes": {r: {"left": 5, "right": 5} for r in roots},
        "dermatomes": {r: {"left": "normal", "right": "normal"} for r in roots},
        "reflexes": {
            "patellar": {"left": "normal", "right": "normal"},
            "achilles": {"left": "brisk", "right": "normal"},
        },
    }
    assert localise(record(exam), table) == ()


def test_table_covers_every_root_and_level(table: dict[str, Any]) -> None:
    """Each of L2-S1 has a key muscle and dermatome; L1-L2 … L5-S1 each map to a root."""
    assert set(table["roots"]) == {"L2", "L3", "L4", "L5", "S1"}
    assert table["level_to_root"] == {
        "L1-L2": "L2",
        "L2-L3": "L3",
        "L3-L4": "L4",
        "L4-L5": "L5",
        "L5-S1": "S1",
    }
    assert "foraminal_stenosis" not in table["compressive_findings"]


L4_LEFT = {
    "myotomes": {"L4": {"left": 4, "right": 5}},
    "dermatomes": {"L4": {"left": "reduced", "right": "normal"}},
}


@pytest.mark.parametrize(
    ("finding", "expected"),
    [
        (
            {"kind": "disc_herniation", "level": "L4-L5", "side": "left", "location": "foraminal"},
            "concordant",
        ),
        (
            {
                "kind": "disc_herniation",
                "level": "L4-L5",
                "side": "left",
                "location": "extraforaminal",
            },
            "concordant",
        ),
        ({"kind": "foraminal_stenosis", "level": "L4-L5", "side": "left"}, "concordant"),
        (
            {
                "kind": "disc_herniation",
                "level": "L4-L5",
                "side": "left",
                "location": "paracentral",
            },
            "discordant",
        ),
        ({"kind": "disc_herniation", "level": "L3-L4", "side": "left"}, "concordant"),
        (
            {"kind": "disc_herniation", "level": "L3-L4", "side": "left", "location": "central"},
            "discordant",
        ),
    ],
)
def test_exiting_root_for_foraminal_findings(
    table: dict[str, Any], finding: dict[str, Any], expected: str
) -> None:
    """Foraminal/extraforaminal findings affect the exiting root (L4-L5 → L4); paracentral the traversing one."""
    roots = localise(record(L4_LEFT, mri(finding)), table)
    assert (roots[0].root, roots[0].side) == ("L4", "left")
    assert roots[0].imaging == expected


def test_radiograph_alone_cannot_show_root_compression(table: dict[str, Any]) -> None:
    """A radiograph does not count for root concordance: it cannot show a nerve root."""
    finding = {"kind": "disc_herniation", "level": "L4-L5", "side": "left"}
    roots = localise(record(L5_LEFT, [{"modality": "radiograph", "findings": [finding]}]), table)
    assert roots[0].imaging == "no imaging of the nerve roots"
