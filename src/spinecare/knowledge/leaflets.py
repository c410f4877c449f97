"""Read ``kb/leaflets/<id>.md``: YAML front matter (validated with pydantic) + Markdown body.

Checks, each reported with the file and key: the front matter's format (unknown keys are
errors), the id matches the file name and is unique, every citation resolves to a source, the
body is not empty, and the KB has at least one ``always_attach`` (safety-net) leaflet.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from spinecare.core.errors import KBIssue
from spinecare.core.knowledge_base import Citation
from spinecare.core.leaflets import Leaflet
from spinecare.knowledge.schema import CITE, ChangelogEntry, Status, _semver

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
FOLDER = "leaflets"
ID = r"^[a-z0-9][a-z0-9-]*$"


class LeafletFrontMatter(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=ID)
    version: str
    title: str = Field(min_length=3)
    summary: str = ""
    audience: Literal["patients", "patients-and-carers"]
    reading_level_target: float = Field(gt=0, le=8)
    cites: list[str] = Field(min_length=1)
    review_status: Status
    always_attach: bool = False
    changelog: list[ChangelogEntry] = Field(min_length=1)

    _v = field_validator("version")(_semver)

    @field_validator("cites")
    @classmethod
    def _cites(cls, value: list[str]) -> list[str]:
        for cite in value:
            if not CITE.match(cite) or "#" not in cite:
                raise ValueError(f"'{cite}' is not a citation of the form src.<id>#<section>")
        return value


def split_front_matter(text: str) -> tuple[str, str] | None:
    """``(front matter, body)`` of a ``---``-delimited Markdown file, or None without one."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return None
    for i, line in enumerate(lines[1:], start=1):
        if line.strip() == "---":
            return "".join(lines[1:i]), "".join(lines[i + 1 :])
    return None


def load_leaflets(
    root: Path, issues: list[KBIssue], sources: Collection[str] | None = None
) -> dict[str, Leaflet]:
    """Every leaflet under ``root/leaflets``; problems are appended to ``issues``.

    ``sources`` are the KB's source ids, to resolve citations (``None`` skips that check).
    """
    folder = root / FOLDER
    if not folder.is_dir():
        return {}
    out: dict[str, Leaflet] = {}
    for path in sorted(folder.glob("*.md")):
        rel = path.relative_to(root).as_posix()
        if path.name.upper() == "README.MD":
            continue
        leaflet = _read(path, rel, issues, sources)
        if leaflet is None:
            continue
        if leaflet.id in out:
            first = out[leaflet.id].source_file
            issues.append(KBIssue(rel, "id", f"duplicate leaflet id '{leaflet.id}' (also {first})"))
            continue
        out[leaflet.id] = leaflet
    if out and not any(lf.always_attach for lf in out.values()):
        issues.append(
            KBIssue(
                FOLDER,
                "always_attach",
                "no leaflet is marked always_attach: the urgent-help safety-net leaflet must be "
                "attached to every plan",
            )
        )
    return out


def _read(
    path: Path, rel: str, issues: list[KBIssue], sources: Collection[str] | None
) -> Leaflet | None:
    parts = split_front_matter(path.read_text(encoding="utf-8"))
    if parts is None:
        issues.append(KBIssue(rel, "", "no YAML front matter (the file must start with '---')"))
        return None
    head, body = parts
    try:
        data = yaml.load(head, Loader=_Loader)  # noqa: S506
    except yaml.YAMLError as exc:
        issues.append(KBIssue(rel, "front matter", f"not valid YAML: {exc}"))
        return None
    try:
        m = LeafletFrontMatter.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            key = ".".join(str(p) for p in err["loc"])
            issues.append(KBIssue(rel, key, err["msg"]))
        return None
    ok = True
    if m.id != path.stem:
        issues.append(KBIssue(rel, "id", f"id '{m.id}' must match the file name '{path.stem}'"))
        ok = False
    if not body.strip():
        issues.append(KBIssue(rel, "body", "the leaflet has no text"))
        ok = False
    cites = tuple(Citation.parse(c) for c in m.cites)
    for i, cite in enumerate(cites):
        if sources is not None and cite.source not in sources:
            issues.append(
                KBIssue(rel, f"cites.{i}", f"citation '{cite}' does not resolve: no such source")
            )
            ok = False
    if not ok:
        return None
    return Leaflet(
        id=m.id,
        version=m.version,
        title=m.title,
        audience=m.audience,
        reading_level_target=m.reading_level_target,
        cites=cites,
        review_status=m.review_status,
        body=body.strip() + "\n",
        summary=m.summary,
        always_attach=m.always_attach,
        changelog=tuple((c.version, c.note) for c in m.changelog),
        source_file=rel,
    )
