"""Reads for the clinic pages. Keyword-only ``<entity>_<action>`` functions."""

from __future__ import annotations

from dataclasses import dataclass

from spinecare.web.kb import get_kb


@dataclass(frozen=True, slots=True)
class KBSummary:
    """What the home page says about the knowledge base in use."""

    label: str
    version: str
    release_date: str
    status: str
    content_hash: str
    short_hash: str
    rule_count: int
    instrument_count: int
    default_profile_id: str
    default_profile_title: str


def kb_get_summary() -> KBSummary:
    """The KB in use. Raises ``KnowledgeBaseError`` when it does not validate."""
    kb = get_kb()
    profile = kb.profiles.get(kb.default_profile)
    return KBSummary(
        label=kb.label,
        version=kb.version,
        release_date=str(kb.release_date),
        status=kb.status,
        content_hash=kb.content_hash,
        short_hash=kb.short_hash,
        rule_count=len(kb.rules),
        instrument_count=len(kb.instruments),
        default_profile_id=kb.default_profile,
        default_profile_title=profile.title if profile else kb.default_profile,
    )
