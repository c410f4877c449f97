"""Patient leaflets (issue 6): reading level, sources, safety-net wording, and the loader's checks.

Reading level: the Flesch-Kincaid grade of each leaflet's text (Markdown stripped), measured
with the ``textstat`` library, must be at or below US grade 8 and at or below the leaflet's own
``reading_level_target``. These tests read the leaflets folder directly (not the whole KB), so
they run even while other KB content is being written.
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

import pytest
import textstat
import yaml

from spinecare.core.conditions import compile_condition
from spinecare.core.errors import KBIssue
from spinecare.core.facts import FactSpec, FactType
from spinecare.core.knowledge_base import Citation, KnowledgeBase, Rule
from spinecare.core.leaflets import Leaflet, markdown_to_text
from spinecare.knowledge.leaflets import load_leaflets
from spinecare.knowledge.loader import default_kb_path
from spinecare.knowledge.then_checks import CHECKS

MAX_GRADE = 8.0
AGE = FactSpec(name="age", type=FactType.INTEGER, definition="Age in years.")
REQUIRED = (
    "back-pain-basics",
    "staying-active",
    "pacing",
    "sleep",
    "heat-and-cold",
    "medicines-nsaids",
    "medicines-opioids-naloxone",
    "exercise",
    "desk-ergonomics",
    "lifting-and-handling",
    "driving-and-travel",
    "weight-and-smoking",
    "return-to-work",
    "flare-up-plan",
    "sciatica",
    "spinal-stenosis",
    "scans",
    "injections",
    "surgery",
    "mood-and-pain",
    "urgent-help",
)


@functools.cache
def _source_ids() -> frozenset[str]:
    ids = set()
    for path in (default_kb_path() / "sources").glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        ids.update(s["id"] for s in data.get("sources", []))
    return frozenset(ids)


@functools.cache
def _library() -> tuple[dict[str, Leaflet], tuple[KBIssue, ...]]:
    issues: list[KBIssue] = []
    leaflets = load_leaflets(default_kb_path(), issues, _source_ids())
    return leaflets, tuple(issues)


def _leaflets() -> dict[str, Leaflet]:
    return _library()[0]


IDS = sorted(p.stem for p in (default_kb_path() / "leaflets").glob("*.md") if p.name != "README.md")


def test_library_loads_without_problems() -> None:
    leaflets, issues = _library()
    assert not issues, [str(i) for i in issues]
    assert sorted(leaflets) == IDS


def test_library_has_at_least_20_leaflets_covering_the_topics() -> None:
    assert len(_leaflets()) >= 20
    missing = [i for i in REQUIRED if i not in _leaflets()]
    assert not missing, missing


@pytest.mark.parametrize("leaflet_id", IDS)
def test_reading_level_at_or_below_grade_8(leaflet_id: str) -> None:
    leaflet = _leaflets()[leaflet_id]
    text = leaflet.plain_text()
    assert len(text.split()) >= 150, "a leaflet this short is not a leaflet"
    grade = textstat.flesch_kincaid_grade(text)
    assert grade <= MAX_GRADE, f"{leaflet_id}: Flesch-Kincaid grade {grade} > {MAX_GRADE}"
    assert grade <= leaflet.reading_level_target, (
        f"{leaflet_id}: grade {grade} above its own target {leaflet.reading_level_target}"
    )


def test_the_grade_check_would_fail_on_dense_text() -> None:
    """The measure is real: clinician prose scores well above grade 8."""
    dense = (
        "Radicular symptoms attributable to intervertebral disc herniation frequently demonstrate "
        "spontaneous resolution; nevertheless, persistent neurological compromise necessitates "
        "comprehensive multidisciplinary evaluation, including consideration of decompressive "
        "surgical intervention following unsuccessful conservative management."
    )
    assert textstat.flesch_kincaid_grade(dense) > MAX_GRADE


@pytest.mark.parametrize("leaflet_id", IDS)
def test_every_leaflet_cites_a_resolvable_source(leaflet_id: str) -> None:
    leaflet = _leaflets()[leaflet_id]
    assert leaflet.cites
    for cite in leaflet.cites:
        assert cite.source in _source_ids(), f"{leaflet_id}: {cite} does not resolve"
        assert cite.section, f"{leaflet_id}: {cite} names no section"


@pytest.mark.parametrize("leaflet_id", IDS)
def test_every_leaflet_says_it_is_no_substitute_for_the_clinician(leaflet_id: str) -> None:
    text = _leaflets()[leaflet_id].plain_text()
    assert "does not take the place of your own doctor" in text


@pytest.mark.parametrize("leaflet_id", [i for i in IDS if i != "urgent-help"])
def test_every_other_leaflet_points_to_the_urgent_help_leaflet(leaflet_id: str) -> None:
    assert "When to get urgent help" in _leaflets()[leaflet_id].plain_text()


def test_urgent_help_is_always_attached_and_follows_the_cauda_equina_sources() -> None:
    leaflet = _leaflets()["urgent-help"]
    assert leaflet.always_attach
    assert [lf.id for lf in _leaflets().values() if lf.always_attach] == ["urgent-help"]
    sources = {c.source for c in leaflet.cites}
    assert {"src.bass-2018", "src.cks-sciatica-red-flags"} <= sources
    text = leaflet.plain_text().lower()
    # clinical-facts §2: bladder, bowel, saddle sensory change, bilateral leg symptoms, sexual
    # dysfunction; emergency action, the same day, without waiting.
    for phrase in (
        "bladder",
        "pass urine",
        "leak urine",
        "bowel",
        "numbness or pins and needles between your legs",
        "around your bottom, your genitals or your inner thighs",
        "both legs",
        "spread to the other leg",
        "sex life",
        "emergency department straight away",
        "do not wait",
        "one of these signs is enough",
    ):
        assert phrase in text, phrase


def test_markdown_is_stripped_before_measuring() -> None:
    text = markdown_to_text(
        "# Title\n\nSome **bold** and _it_ text.\n\n- one\n- two\n1. first\n> quote\n"
        "[a link](https://example.org)\n"
    )
    assert text == "Title\n\nSome bold and it text.\n\none\ntwo\nfirst\nquote\na link"


# ------------------------------------------------------------------ loader checks


def _write(folder: Path, name: str, front: str, body: str = "Some text here.\n") -> None:
    (folder / "leaflets").mkdir(exist_ok=True)
    (folder / "leaflets" / f"{name}.md").write_text(f"---\n{front}---\n\n{body}", encoding="utf-8")


FRONT = (
    "id: {id}\nversion: 1.0.0\ntitle: A leaflet\naudience: patients\nreading_level_target: 8\n"
    "review_status: draft\nalways_attach: {always}\ncites: [{cite}]\n"
    "changelog: [{{version: 1.0.0, note: initial}}]\n"
)


def _front(ident: str, *, always: bool = True, cite: str = "src.a#s1") -> str:
    return FRONT.format(id=ident, always=str(always).lower(), cite=cite)


def test_loader_accepts_a_good_leaflet(tmp_path: Path) -> None:
    _write(tmp_path, "good", _front("good"))
    issues: list[KBIssue] = []
    out = load_leaflets(tmp_path, issues, {"src.a"})
    assert not issues
    assert out["good"].cites == (Citation("src.a", "s1"),)
    assert out["good"].always_attach


@pytest.mark.parametrize(
    ("name", "front", "body", "key", "words"),
    [
        (
            "bad-cite",
            _front("bad-cite", cite="src.nope#s"),
            "Text.\n",
            "cites.0",
            "does not resolve",
        ),
        ("no-section", _front("no-section", cite="src.a"), "Text.\n", "cites", "src.<id>#"),
        ("other-name", _front("mismatch"), "Text.\n", "id", "must match the file name"),
        ("empty", _front("empty"), "\n", "body", "no text"),
        ("extra", _front("extra") + "colour: red\n", "Text.\n", "colour", "Extra inputs"),
        (
            "hard",
            _front("hard").replace("target: 8", "target: 12"),
            "T.\n",
            "reading_level_target",
            "",
        ),
    ],
)
def test_loader_names_file_and_key_of_each_problem(
    tmp_path: Path, name: str, front: str, body: str, key: str, words: str
) -> None:
    _write(tmp_path, name, front, body)
    _write(tmp_path, "safety", _front("safety"))
    issues: list[KBIssue] = []
    out = load_leaflets(tmp_path, issues, {"src.a"})
    assert name not in out
    assert any(
        i.file == f"leaflets/{name}.md" and i.key == key and words in i.message for i in issues
    ), [str(i) for i in issues]


def test_loader_rejects_a_missing_front_matter(tmp_path: Path) -> None:
    (tmp_path / "leaflets").mkdir()
    (tmp_path / "leaflets" / "plain.md").write_text("# Just text\n", encoding="utf-8")
    issues: list[KBIssue] = []
    load_leaflets(tmp_path, issues, {"src.a"})
    assert any(i.file == "leaflets/plain.md" and "front matter" in i.message for i in issues)


def test_loader_requires_a_safety_net_leaflet(tmp_path: Path) -> None:
    _write(tmp_path, "only", _front("only", always=False))
    issues: list[KBIssue] = []
    load_leaflets(tmp_path, issues, {"src.a"})
    assert any(i.key == "always_attach" for i in issues), [str(i) for i in issues]


def test_loader_rejects_duplicate_ids(tmp_path: Path) -> None:
    _write(tmp_path, "one", _front("one"))
    _write(tmp_path, "two", _front("one"))  # a second file claiming the same id
    issues: list[KBIssue] = []
    out = load_leaflets(tmp_path, issues, {"src.a"})
    assert list(out) == ["one"]
    assert any(i.file == "leaflets/two.md" and i.key == "id" for i in issues)


def _kb_with(leaflets: dict[str, Leaflet]) -> KnowledgeBase:
    return KnowledgeBase(
        version="0.0.0",
        release_date="2026-01-01",
        status="draft",
        content_hash="sha256:0",
        default_profile="p",
        sources={},
        facts={},
        rules=(),
        profiles={},
        instruments={},
        scenarios=(),
        leaflets=leaflets,
    )


def test_a_leaflet_rule_must_name_a_known_leaflet() -> None:
    leaflet = Leaflet("sciatica", "1.0.0", "S", "patients", 8, (), "draft", "Body.\n")
    kb = _kb_with({"sciatica": leaflet})
    rule = Rule(
        id="rule.leaflet.x",
        version="1.0.0",
        status="draft",
        title="x",
        category="leaflet",
        when=compile_condition({"fact": "age", "known": True}, {"age": AGE}),
        then={"summary": "s", "leaflet": "sciatca"},
        strength="consensus",
        evidence_quality="expert-opinion",
        cites=(),
        rationale="r",
    )
    problems = CHECKS["leaflet"](kb, rule)
    assert problems
    assert problems[0].startswith("then.leaflet:")
    assert "sciatica" in problems[0]
    ok = dataclasses.replace(rule, then={"summary": "s", "leaflet": "sciatica"})
    assert CHECKS["leaflet"](kb, ok) == []
