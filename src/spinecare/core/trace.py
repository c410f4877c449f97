"""The trace: what every engine result records so that it can be checked and reproduced."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from spinecare.core.knowledge_base import KnowledgeBase
from spinecare.core.rules import RuleResult, data_needed


@dataclass(frozen=True, slots=True)
class FiredRule:
    ref: str  # rule_id@version
    title: str
    facts_used: dict[str, Any]
    cites: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Trace:
    kb_version: str
    kb_hash: str
    profile: str
    as_of: str
    fired: tuple[FiredRule, ...] = ()
    undecided: tuple[str, ...] = ()  # rule_id@version of rules that need more data
    data_needed: tuple[str, ...] = ()
    citations: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "kb_version": self.kb_version,
            "kb_hash": self.kb_hash,
            "profile": self.profile,
            "as_of": self.as_of,
            "fired": [
                {
                    "rule": f.ref,
                    "title": f.title,
                    "facts_used": {k: _jsonable(v) for k, v in f.facts_used.items()},
                    "cites": list(f.cites),
                }
                for f in self.fired
            ],
            "undecided": list(self.undecided),
            "data_needed": list(self.data_needed),
            "citations": list(self.citations),
        }


def build_trace(
    kb: KnowledgeBase, *, profile: str, as_of: str, results: Iterable[RuleResult]
) -> Trace:
    results = list(results)
    fired = tuple(
        FiredRule(
            ref=r.rule.ref,
            title=r.rule.title,
            facts_used=dict(r.facts_used),
            cites=tuple(str(c) for c in r.rule.cites),
        )
        for r in results
        if r.fired
    )
    citations = sorted({c for f in fired for c in f.cites})
    return Trace(
        kb_version=kb.version,
        kb_hash=kb.content_hash,
        profile=profile,
        as_of=as_of,
        fired=fired,
        undecided=tuple(r.rule.ref for r in results if r.undecided),
        data_needed=tuple(data_needed(results)),
        citations=tuple(citations),
    )


def _jsonable(value: object) -> object:
    if isinstance(value, frozenset | set):
        return sorted(value)
    return value
