"""Loading the medication tables: the packaged ones are valid; broken ones are named precisely."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kbcopy import edit
from spinecare.knowledge import default_kb_path
from spinecare.knowledge.medications import FACTORS, PRODUCTS, load_medications

SOURCES = {"src.cdc-2022", "src.cdc-2022-draft", "src.cdc-2016", "src.cdc-opioid-cds"}


def tables_copy(tmp_path: Path) -> Path:
    """Only ``medications/`` and ``valuesets/``: these checks need nothing else."""
    for folder in ("medications", "valuesets"):
        shutil.copytree(default_kb_path() / folder, tmp_path / folder)
    return tmp_path


def issues_of(root: Path) -> list[str]:
    issues: list = []
    load_medications(root, issues, SOURCES)
    return [str(i) for i in issues]


def test_packaged_tables_are_valid() -> None:
    issues: list = []
    data = load_medications(default_kb_path(), issues, SOURCES)
    assert issues == []
    assert len(data.products) == 910
    assert data.products["1049683"].ingredient == "oxycodone"
    # two salts of oxycodone in one tablet are summed: 4.5 + 0.38 mg
    assert data.products["637540"].strength == pytest.approx(4.88)
    assert data.mme is not None
    assert set(data.mme.sets) == {"cdc2022", "cdc2016"}
    assert data.mme.sets["cdc2022"].factors[("hydromorphone", "oral")].factor == 5
    assert data.mme.sets["cdc2016"].factors[("methadone", "oral")].factor_for(21) == 8
    assert "buprenorphine" in data.mme.sets["cdc2022"].not_counted
    assert len(data.valuesets) == 12
    assert len(data.valuesets["benzodiazepine-medications"]) == 207


def test_packaged_kb_carries_the_tables() -> None:
    from spinecare.knowledge import load_kb

    kb = load_kb()
    assert kb.mme_factors is not None
    assert kb.mme_factors.default_set == "cdc2022"
    assert "245134" in kb.opioid_products
    assert "sickle-cell-diseases" in kb.valuesets


def test_a_kb_without_medication_tables_loads_without_them(tmp_path: Path) -> None:
    issues: list = []
    data = load_medications(tmp_path, issues, SOURCES)
    assert issues == []
    assert data.mme is None
    assert data.products == {}


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("1049683,oxycodone", "1049683x,oxycodone", f"{PRODUCTS}: line "),
        (",10.0,MG\n", ",,MG\n", "incomplete row"),
        (",10.0,MG\n", ",ten,MG\n", "strength must be > 0"),
        (",10.0,MG\n", ",10.0,GRAINS\n", "strength must be > 0"),
    ],
)
def test_broken_product_rows_are_named(tmp_path: Path, old: str, new: str, expected: str) -> None:
    root = tables_copy(tmp_path)
    edit(root / PRODUCTS, old, new)
    found = issues_of(root)
    assert any(expected in issue for issue in found), found


def test_every_ingredient_must_be_classified(tmp_path: Path) -> None:
    """Removing tramadol from the 2016 factors is an error, never a silent zero."""
    root = tables_copy(tmp_path)
    text = (root / FACTORS).read_text()
    start = text.index(
        "      - ingredient: tramadol\n        route: oral\n        per: mg/day\n        factor: 0.1"
    )
    end = text.index("    not_counted: *not_counted", start)
    (root / FACTORS).write_text(text[:start] + text[end:])
    found = issues_of(root)
    assert (
        f"{FACTORS}: factor_sets.cdc2016: ingredient 'tramadol' of the product table is neither in factors, not_counted nor no_factor"
        in found
    )


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "  rectal:\n    - Rectal Suppository\n",
            "",
            "dose form 'Rectal Suppository' of the product table has no route",
        ),
        ("src.cdc-2022#recommendation-3", "src.cdc-2099#recommendation-3", "does not resolve"),
        (
            "  - id: fentanyl_caution",
            "  - id: fentanyl_warning",
            "flag 'fentanyl_caution' is not described",
        ),
        (
            "Orders: {details}.\n    cites:\n      - src.cdc-2022#recommendation-3",
            "Orders: {names}.\n    cites:\n      - src.cdc-2022#recommendation-3",
            "bad template field",
        ),
        ("{up_to: 40, factor: 8}", "{up_to: 10, factor: 8}", "tiers: up_to must increase"),
        ("factor: 0.15, cites", "factor: -1, cites", "greater than 0"),
        (
            "    reason: Not in the CDC MME conversion table (withdrawn product).\n",
            "    reason: Not in the CDC MME conversion table (withdrawn product).\n"
            "  - ingredient: opium\n    reason: Not in the CDC MME conversion table.\n",
            "'opium' is listed 2 times",
        ),
        (
            "ingredient: codeine",
            "ingredient: codine",
            "ingredient 'codine' is not in the product table",
        ),
        ("default_set: cdc2022", "default_set: cdc2023", "no factor set 'cdc2023'"),
        ("title: MME", "titel: MME", "Extra inputs are not permitted"),
    ],
)
def test_broken_factor_table_is_named(tmp_path: Path, old: str, new: str, expected: str) -> None:
    root = tables_copy(tmp_path)
    edit(root / FACTORS, old, new)
    found = issues_of(root)
    assert any(expected in issue for issue in found), found
    assert all(issue.startswith(FACTORS) for issue in found), found


def test_value_set_codes_must_match_their_system(tmp_path: Path) -> None:
    root = tables_copy(tmp_path)
    vs = root / "valuesets" / "sickle-cell-diseases.csv"
    edit(vs, "icd-10-cm,D57.00,", "icd-10-cm,d57-zero,")
    edit(vs, "http://snomed.info/sct,417357006,", "http://snomed.info/sct,41735700X,")
    edit(vs, "http://hl7.org/fhir/sid/icd-10-cm,D57.01,", "http://example.org,D57.01,")
    found = issues_of(root)
    assert any(
        "'d57-zero' is not a valid code of http://hl7.org/fhir/sid/icd-10-cm" in i for i in found
    )
    assert any("'41735700X' is not a valid code of http://snomed.info/sct" in i for i in found)
    assert any("unknown code system 'http://example.org'" in i for i in found)


def test_missing_value_set_is_named(tmp_path: Path) -> None:
    root = tables_copy(tmp_path)
    (root / "valuesets" / "naloxone-medications.csv").unlink()
    assert any("naloxone-medications" in i for i in issues_of(root))
