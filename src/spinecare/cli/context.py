"""Shared state for CLI commands: which knowledge base, loaded once per process."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from rich.console import Console

from spinecare.core.knowledge_base import KnowledgeBase
from spinecare.knowledge import load_kb

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

KB_PATH_ENV = "SPINECARE_KB_PATH"


def kb_path() -> Path | None:
    value = os.environ.get(KB_PATH_ENV)
    return Path(value) if value else None


@cache
def get_kb() -> KnowledgeBase:
    """The KB named by $SPINECARE_KB_PATH, or the packaged one. Raises KnowledgeBaseError."""
    return load_kb(kb_path())
