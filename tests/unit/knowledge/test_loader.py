"""Loading the knowledge base: the packaged KB is valid; broken files are named precisely."""

from __future__ import annotations

from pathlib import Path

import pytest

from kbcopy import copy_kb, edit
from spinecare.core.errors import KnowledgeBaseError
from spinecare.knowledge import load_kb
from spinecare.knowledge.loader import content_hash

CES = "rules/red-flags/cauda-equina.yaml"


def issues_of(kb_dir: Path) -> list[str]:
    with pytest.raises(KnowledgeBaseError) as info:
        load_kb(kb_dir)
    return [str(i) for i in info.value.issues]


def test_packaged_kb_loads_with_version_and_hash() -> None:
    """The shipped KB validates and exposes its version and content hash."""
    kb = load_kb()
    assert kb.version.count(".") == 2
    assert kb.content_hash.startswith("sha256:")
    assert len(kb.content_hash) == 71
    assert {"uk-nice", "us-acp-cdc"} <= set(kb.profiles)
    assert kb.rules
    assert kb.facts
    assert kb.sources
    assert kb.scenarios


def test_content_hash_changes_with_content(tmp_path: Path) -> None:
    """Any edit to a KB file changes the content hash; an unchanged copy hashes the same."""
    kb_dir = copy_kb(tmp_path)
    before = content_hash(kb_dir)
    assert before == load_kb().content_hash
    edit(kb_dir / CES, "Do not wait", "Do not delay")
    assert content_hash(kb_dir) != before


def test_unknown_fact_is_named_with_suggestion(tmp_path: Path) -> None:
    """A rule using an undeclared fact fails with file, key path and a did-you-mean."""
    kb_dir = copy_kb(tmp_path)
    edit(kb_dir / CES, "fact: saddle_anaesthesia", "fact: saddle_anesthesia")
    found = issues_of(kb_dir)
    assert any(
        i.startswith(f"{CES}: when.any.3.fact:") and "did you mean 'saddle_anaesthesia'" in i
        for i in found
    ), found


def test_wrong_type_is_named(tmp_path: Path) -> None:
    """A comparison whose value does not fit the fact's type is an error at that key."""
    kb_dir = copy_kb(tmp_path)
    edit(kb_dir / CES, "{fact: urinary_retention, eq: true}", "{fact: urinary_retention, eq: 3}")
    found = issues_of(kb_dir)
    assert any(i.startswith(f"{CES}: when.any.0.eq:") and "true or false" in i for i in found)


def test_unresolved_citation_is_named(tmp_path: Path) -> None:
    """A citation to a source that does not exist is an error naming the cites entry."""
    kb_dir = copy_kb(tmp_path)
    edit(kb_dir / CES, "src.bass-2018#", "src.bass-2019#")
    found = issues_of(kb_dir)
    assert any(i.startswith(f"{CES}: cites.0:") and "src.bass-2019" in i for i in found), found


def test_malformed_citation_and_missing_grade(tmp_path: Path) -> None:
    """Citations must be src.<id>#section; strength and evidence grade are required."""
    kb_dir = copy_kb(tmp_path)
    edit(kb_dir / CES, "  - src.bass-2018#standards-of-care", "  - BASS 2018")
    edit(kb_dir / CES, "evidence_quality: expert-opinion\n", "")
    found = issues_of(kb_dir)
    assert any(i.startswith(f"{CES}: cites:") for i in found), found
    assert any(i.startswith(f"{CES}: evidence_quality:") for i in found), found


def test_rule_without_citations_fails(tmp_path: Path) -> None:
    """A rule with an empty citation list is refused."""
    kb_dir = copy_kb(tmp_path)
    text = (kb_dir / CES).read_text()
    start = text.index("cites:")
    end = text.index("rationale:")
    (kb_dir / CES).write_text(text[:start] + "cites: []\n" + text[end:])
    assert any(i.startswith(f"{CES}: cites:") for i in issues_of(kb_dir))


def test_duplicate_rule_id_fails(tmp_path: Path) -> None:
    """Two rules with one id: the second file is named, pointing at the first."""
    kb_dir = copy_kb(tmp_path)
    (kb_dir / "rules/red-flags/zz-copy.yaml").write_text((kb_dir / CES).read_text())
    found = issues_of(kb_dir)
    assert any("zz-copy.yaml: id: duplicate rule id" in i and CES in i for i in found), found


def test_rule_without_scenario_fails(tmp_path: Path) -> None:
    """Every rule must be shown firing by at least one scenario."""
    kb_dir = copy_kb(tmp_path)
    copy = (kb_dir / CES).read_text().replace("rule.redflag.cauda-equina", "rule.redflag.untested")
    (kb_dir / "rules/red-flags/untested.yaml").write_text(copy)
    found = issues_of(kb_dir)
    assert any("untested.yaml: id:" in i and "not shown firing" in i for i in found), found


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    """A file that is not YAML is reported with its line."""
    kb_dir = copy_kb(tmp_path)
    edit(kb_dir / CES, "title: Suspected", "title: [Suspected")
    assert any(i.startswith(f"{CES}: line ") for i in issues_of(kb_dir))


def test_unknown_key_is_rejected(tmp_path: Path) -> None:
    """A misspelt key is an error, not silently ignored."""
    kb_dir = copy_kb(tmp_path)
    edit(kb_dir / CES, "rationale:", "rationael: x\nrationale:")
    assert any(i.startswith(f"{CES}: rationael:") for i in issues_of(kb_dir))


def test_scenario_with_unknown_expectation_or_fact_fails(tmp_path: Path) -> None:
    """Scenario typos cannot make a test pass: unknown keys and facts are errors."""
    kb_dir = copy_kb(tmp_path)
    sc = kb_dir / "scenarios/red-flags/cauda-equina.yaml"
    edit(sc, "expect:\n      fires:", "expect:\n      fire:")
    edit(sc, "facts: {urinary_retention: true}", "facts: {urinary_retension: true}")
    found = issues_of(kb_dir)
    assert any("expect.fire:" in i and "did you mean 'fires'" in i for i in found), found
    assert any("input.facts.urinary_retension:" in i for i in found), found


def test_profile_naming_unknown_rule_fails(tmp_path: Path) -> None:
    """A profile may only switch off rules that exist."""
    kb_dir = copy_kb(tmp_path)
    path = kb_dir / "profiles/uk-nice.yaml"
    path.write_text(
        path.read_text().replace(
            "disabled_rules:",
            "disabled_rules:\n  - {rule: rule.nope, reason: not used in this profile}",
            1,
        )
    )
    assert any("profiles/uk-nice.yaml: disabled_rules:" in i for i in issues_of(kb_dir))


def test_profile_and_site_config_switch_rules_off(tmp_path: Path) -> None:
    """A rule switched off by a profile or by site configuration is not in force, with reason."""
    kb_dir = copy_kb(tmp_path)
    edit(
        kb_dir / "config/site.yaml",
        "disabled_rules: []",
        "disabled_rules:\n  - {rule: rule.redflag.cauda-equina, reason: reviewed locally for test}",
    )
    kb = load_kb(kb_dir)
    assert "rule.redflag.cauda-equina" not in {r.id for r in kb.rules_for("uk-nice")}
    assert "site configuration" in kb.profile("us-acp-cdc").disabled["rule.redflag.cauda-equina"]
