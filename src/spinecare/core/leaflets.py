"""Patient leaflets: the ``Leaflet`` record and the choice of leaflets for a plan.

The leaflets live in ``kb/leaflets/<id>.md`` (YAML front matter + Markdown body) and are read by
``spinecare.knowledge.leaflets``. Which leaflets a patient gets is knowledge-base data too:

- every leaflet marked ``always_attach`` (the "when to seek urgent help" safety-net leaflet) is
  attached to every plan, whatever the findings, profile or red flags;
- rules in the category ``leaflet`` (``then.leaflet``: a leaflet id) attach a leaflet when
  they fire over the Assessment's facts (diagnosis, plan-related and risk-factor facts).

Mechanism only: no leaflet id or clinical criterion is named here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from spinecare.core.rules import run_rules

if TYPE_CHECKING:
    from spinecare.core.evaluation.assessment import Assessment
    from spinecare.core.knowledge_base import Citation, KnowledgeBase

LEAFLET_CATEGORY = "leaflet"


@dataclass(frozen=True, slots=True)
class Leaflet:
    """One patient leaflet: metadata from the front matter and the Markdown body."""

    id: str
    version: str
    title: str
    audience: str
    reading_level_target: float
    cites: tuple[Citation, ...]
    review_status: str
    body: str
    summary: str = ""
    always_attach: bool = False
    changelog: tuple[tuple[str, str], ...] = field(default=())
    source_file: str = ""

    @property
    def ref(self) -> str:
        """``leaflet_id@version``, the form stored with a plan."""
        return f"{self.id}@{self.version}"

    def plain_text(self) -> str:
        """The body without Markdown markup: the words a patient reads."""
        return markdown_to_text(self.body)


_MD_PATTERNS = (
    (re.compile(r"^[ \t]{0,3}#{1,6}[ \t]*", re.MULTILINE), ""),  # headings
    (re.compile(r"^[ \t]*(?:[-*+]|\d+[.)])[ \t]+", re.MULTILINE), ""),  # list markers
    (re.compile(r"^[ \t]*>[ \t]?", re.MULTILINE), ""),  # block quotes
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),  # images
    (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),  # links
    (re.compile(r"(\*\*|__|\*|_|`)"), ""),  # emphasis and code
    (re.compile(r"^[ \t]*[-*_]{3,}[ \t]*$", re.MULTILINE), ""),  # rules
)


def markdown_to_text(markdown: str) -> str:
    """Strip Markdown markup and keep the text; each heading or list item stays its own line."""
    text = markdown
    for pattern, repl in _MD_PATTERNS:
        text = pattern.sub(repl, text)
    return "\n".join(line.rstrip() for line in text.splitlines()).strip()


def attach_leaflets(assessment: Assessment, kb: KnowledgeBase) -> tuple[dict[str, Any], ...]:
    """The leaflets for this patient: every ``always_attach`` leaflet, then those chosen by rules.

    Each entry carries the leaflet's id, version, title and why it was attached (``always`` or
    the rules that chose it, with their summaries and citations). Leaflets are listed in KB
    order (by id), the always-attached ones first.
    """
    chosen: dict[str, list[dict[str, Any]]] = {}
    for lid, leaflet in kb.leaflets.items():
        if leaflet.always_attach:
            chosen[lid] = []
    rules = kb.rules_for(assessment.profile, LEAFLET_CATEGORY)
    for res in run_rules(rules, assessment.facts):
        target = str(res.rule.then.get("leaflet", ""))
        if not res.fired or target not in kb.leaflets:
            continue
        chosen.setdefault(target, []).append(
            {
                "rule": res.rule.ref,
                "summary": res.rule.then["summary"],
                "findings": {k: _jsonable(v) for k, v in res.supporting.items()},
                "cites": [str(c) for c in res.rule.cites],
            }
        )
    order = sorted(chosen, key=lambda i: (not kb.leaflets[i].always_attach, i))
    return tuple(_entry(kb.leaflets[lid], chosen[lid]) for lid in order)


def _jsonable(value: Any) -> Any:
    """Set-valued facts become sorted lists, so the plan's JSON stays serialisable."""
    return sorted(value) if isinstance(value, frozenset | set) else value


def _entry(leaflet: Leaflet, why: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": leaflet.id,
        "version": leaflet.version,
        "title": leaflet.title,
        "summary": leaflet.summary,
        "always": leaflet.always_attach,
        "why": why,
    }


def leaflet_extra(assessment: Assessment, kb: KnowledgeBase) -> Mapping[str, Any]:
    """The plan's ``extra`` entry: ``{"leaflets": [...]}`` (empty when the KB has none)."""
    leaflets = attach_leaflets(assessment, kb)
    return {"leaflets": list(leaflets)} if leaflets else {}
