"""Parsing and checking instrument files: shipped files parse, bad files name file and key."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

import spinecare
from spinecare.core.errors import KBIssue, KnowledgeBaseError
from spinecare.core.instruments import Instrument
from spinecare.knowledge.instruments import instrument_issues, parse_instrument

KB = Path(spinecare.__file__).parent / "kb"
FILES = sorted((KB / "instruments").glob("*/instrument.yaml"))
FILE = "instruments/demo/instrument.yaml"

VALID: dict[str, Any] = {
    "id": "demo",
    "version": "1.0.0",
    "name": "Demo scale",
    "short_name": "Demo",
    "status": "active",
    "description": "A two-item scale used only by these tests.",
    "option_sets": {"yes_no": [{"label": "No", "score": 0}, {"label": "Yes", "score": 1}]},
    "items": [
        {"key": "pain", "label": "Pain today", "option_set": "yes_no"},
        {"key": "sleep", "label": "Sleep poor", "option_set": "yes_no"},
    ],
    "scales": [
        {
            "id": "total",
            "label": "Total",
            "items": ["pain", "sleep"],
            "method": "sum",
            "range": {"min": 0, "max": 2},
            "bands": [
                {"label": "low", "min": 0, "max": 0},
                {"label": "high", "min": 1, "max": 2},
            ],
        }
    ],
    "score_scale": "total",
    "classification": {
        "id": "risk_group",
        "label": "Risk",
        "rules": [{"label": "high", "when": ["total >= 2"]}, {"label": "low"}],
    },
    "licence": {
        "status": "unclear",
        "holder": "Nobody in particular",
        "item_text_shipped": False,
        "notes": "Test data, not an instrument.",
    },
    "cites": ["src.demo#table-1"],
    "changelog": [{"version": "1.0.0", "note": "first"}],
}


def issues_for(data: dict[str, Any]) -> list[KBIssue]:
    with pytest.raises(KnowledgeBaseError) as caught:
        parse_instrument(data, FILE)
    assert all(issue.file == FILE for issue in caught.value.issues)
    return caught.value.issues


def keys_for(data: dict[str, Any]) -> set[str]:
    return {issue.key for issue in issues_for(data)}


def changed(path: str, value: Any) -> dict[str, Any]:
    """A deep copy of VALID with the value at a dotted key path replaced (None deletes it)."""
    data = copy.deepcopy(VALID)
    *parents, last = path.split(".")
    node: Any = data
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if value is None:
        del node[last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return data


# ------------------------------------------------------------------ shipped files


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.parent.name)
def test_shipped_instrument_parses(path: Path) -> None:
    """Each shipped instrument file parses into an Instrument named after its folder."""
    inst = parse_instrument(yaml.safe_load(path.read_text(encoding="utf-8")), str(path))
    assert isinstance(inst, Instrument)
    assert inst.id == path.parent.name
    assert inst.status == "active"
    assert inst.licence.status


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.parent.name)
def test_shipped_instrument_has_readme_and_resolving_cites(path: Path) -> None:
    """Each instrument has a README and every citation resolves to a shipped source."""
    assert (path.parent / "README.md").is_file()
    known = {
        s["id"]
        for f in (KB / "sources").glob("*.yaml")
        for s in yaml.safe_load(f.read_text(encoding="utf-8"))["sources"]
    }
    inst = parse_instrument(yaml.safe_load(path.read_text(encoding="utf-8")), str(path))
    assert instrument_issues(inst, known, str(path)) == []


def test_shipped_item_text_only_where_the_licence_allows() -> None:
    """Only instruments whose licence allows free reproduction ship item text."""
    shipped = set()
    for path in FILES:
        inst = parse_instrument(yaml.safe_load(path.read_text(encoding="utf-8")), str(path))
        if any(item.text for item in inst.items):
            shipped.add(inst.id)
            assert inst.licence.status in {"public-domain", "free-to-reproduce"}
    assert shipped == {"gad2", "nrs", "phq2"}


def test_valid_demo_parses() -> None:
    """The minimal demo instrument used below is itself valid."""
    inst = parse_instrument(VALID, FILE)
    assert [i.key for i in inst.items] == ["pain", "sleep"]
    assert inst.classification is not None
    assert inst.classification.rules[0].when[0].op == "ge"


# ------------------------------------------------------------------ schema errors


def test_unknown_key_is_an_error_naming_it() -> None:
    """A typo'd key is not ignored: the issue names the key."""
    assert "colour" in keys_for({**VALID, "colour": "blue"})


def test_missing_licence_status_is_named() -> None:
    """licence.status is required."""
    assert "licence.status" in keys_for(changed("licence.status", None))


def test_unknown_licence_status_is_named() -> None:
    """licence.status must be one of the known statuses."""
    assert "licence.status" in keys_for(changed("licence.status", "probably-fine"))


def test_missing_cites_are_named() -> None:
    """An instrument without citations is refused."""
    assert "cites" in keys_for(changed("cites", []))


def test_malformed_citation_is_named() -> None:
    """A citation without #section is refused at its index."""
    assert "cites.0" in keys_for(changed("cites", ["src.demo"]))


def test_bad_comparison_is_named() -> None:
    """A classification condition must be a comparison such as 'total >= 2'."""
    assert "classification.rules.0.when.0" in keys_for(
        changed("classification.rules.0.when", ["total is big"])
    )


def test_item_needs_exactly_one_source_of_options() -> None:
    """An item gives options or an option set, not both and not neither."""
    both = changed("items.0.options", [{"label": "No", "score": 0}])
    assert "items.0" in keys_for(both)


# ------------------------------------------------------------------ cross-checks


def test_scale_item_that_does_not_exist_is_named_with_a_suggestion() -> None:
    """A scale listing an unknown item names scales.N.items.M and suggests the closest key."""
    issues = issues_for(changed("scales.0.items", ["pain", "slep"]))
    issue = next(i for i in issues if i.key == "scales.0.items.1")
    assert "did you mean 'sleep'" in issue.message


def test_duplicate_item_key_is_named() -> None:
    """Item keys are unique."""
    data = changed("items.1.key", "pain")
    data["items"][1]["label"] = "Pain again"
    assert "items.1.key" in keys_for(data)


def test_unknown_option_set_is_named() -> None:
    """An item's option_set must exist."""
    assert "items.1.option_set" in keys_for(changed("items.1.option_set", "yes_nope"))


def test_falling_option_scores_are_refused() -> None:
    """Option scores must rise (or stay level) from the first option to the last."""
    data = changed(
        "option_sets.yes_no", [{"label": "No", "score": 1}, {"label": "Yes", "score": 0}]
    )
    assert {"items.0.options", "items.1.options"} <= keys_for(data)


def test_key_label_drift_is_refused() -> None:
    """An item whose label shares no word with its key is flagged (id/label drift)."""
    assert "items.1.label" in keys_for(changed("items.1.label", "Walking"))


def test_declared_range_must_match_the_items() -> None:
    """A scale's declared range must be what its method gives over its items."""
    data = changed("scales.0.range", {"min": 0, "max": 3})
    data["scales"][0]["bands"][1]["max"] = 3
    assert "scales.0.range" in keys_for(data)


def test_band_gap_is_named() -> None:
    """Bands may not leave a gap wider than one point."""
    data = changed("scales.0.bands.1.min", 2)
    assert "scales.0.bands.1.min" in keys_for(data)


def test_band_overlap_is_named() -> None:
    """Bands may not overlap."""
    data = changed("scales.0.bands.0.max", 1)
    assert "scales.0.bands.1.min" in keys_for(data)


def test_bands_must_reach_both_ends_of_the_range() -> None:
    """The first band starts at the scale minimum and the last ends at its maximum."""
    data = changed("scales.0.bands.1.max", 1)
    assert "scales.0.bands.1.max" in keys_for(data)


def test_missing_score_scale_is_named() -> None:
    """score_scale must name a scale."""
    assert "score_scale" in keys_for(changed("score_scale", "totl"))


def test_sum_tolerating_missing_items_must_say_how_to_count_them() -> None:
    """A sum scale allowing missing items needs missing_as, or the sum would be biased."""
    assert "scales.0.missing_as" in keys_for(changed("scales.0.max_missing", 1))


def test_max_missing_must_leave_an_item() -> None:
    """max_missing may not allow every item of the scale to be missing."""
    data = changed("scales.0.max_missing", 2)
    data["scales"][0]["missing_as"] = 0
    assert "scales.0.max_missing" in keys_for(data)


def test_classification_catch_all_must_be_last() -> None:
    """Only the last classification rule, and always it, has no conditions."""
    data = changed("classification.rules.1.when", ["total < 2"])
    assert "classification.rules.1.when" in keys_for(data)


def test_condition_on_unknown_scale_is_named() -> None:
    """A classification condition must refer to a scale of the instrument."""
    data = changed("classification.rules.0.when", ["totl >= 2"])
    assert "classification.rules.0.when.0" in keys_for(data)


def test_item_text_needs_a_licence_that_allows_it() -> None:
    """Item text may ship only with a public-domain or free-to-reproduce licence."""
    data = changed("licence.item_text_shipped", True)
    assert "licence.item_text_shipped" in keys_for(data)


def test_item_text_present_but_not_declared_is_named() -> None:
    """Licensed wording found in a file that says it ships none is flagged at the item."""
    assert "items.0.text" in keys_for(changed("items.0.text", "Do you have pain today?"))


def test_all_problems_are_reported_together() -> None:
    """Several independent problems are all listed, not just the first."""
    data = changed("score_scale", "nope")
    data["items"][1]["label"] = "Walking"
    assert {"score_scale", "items.1.label"} <= keys_for(data)


# ------------------------------------------------------------------ citation resolution


def test_unresolved_citations_are_named_with_suggestions() -> None:
    """instrument_issues names unresolved cites (and MIC cites) with a did-you-mean."""
    data = {**VALID, "mic": {"points": 1, "cites": ["src.demox#results"]}}
    inst = parse_instrument(data, FILE)
    issues = instrument_issues(inst, {"src.demo"}, FILE)
    assert [i.key for i in issues] == ["mic.cites.0"]
    assert "did you mean 'src.demo'" in issues[0].message
    assert [i.key for i in instrument_issues(inst, set(), FILE)] == ["cites.0", "mic.cites.0"]
