"""Helpers for tests that need a private, editable copy of the packaged knowledge base."""

from __future__ import annotations

import shutil
from pathlib import Path

from spinecare.knowledge import default_kb_path


def copy_kb(tmp_path: Path) -> Path:
    dest = tmp_path / "kb"
    shutil.copytree(default_kb_path(), dest)
    return dest


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
