"""Reading input files for CLI commands: one place for JSON errors, field paths and options."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from pydantic import BaseModel, ValidationError

from spinecare.cli.context import get_kb
from spinecare.core.errors import UserError
from spinecare.core.evaluation.assessment import Assessment
from spinecare.core.evaluation.evaluate import evaluate
from spinecare.core.evaluation.record import EvaluationRecord
from spinecare.core.knowledge_base import KnowledgeBase

M = TypeVar("M", bound=BaseModel)

RecordFile = Annotated[
    Path, typer.Argument(help="An evaluation record as JSON (see `spinecare schema evaluation`).")
]
AsOf = Annotated[
    str | None, typer.Option(help="Date (default: the record's evaluation_date, else today).")
]
Profile = Annotated[str | None, typer.Option(help="Guideline profile, e.g. uk-nice or us-acp-cdc.")]


def read_model(path: Path, model: type[M]) -> M:
    """Read and validate a JSON file; errors name the field (``patient.age``)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"no such file: {path}", field="FILE") from None
    except json.JSONDecodeError as exc:
        raise UserError(
            f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})", field=str(path)
        ) from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
        raise UserError(f"{err['msg']}{more}", field=".".join(str(p) for p in err["loc"])) from None


def read_record(path: Path) -> EvaluationRecord:
    return read_model(path, EvaluationRecord)


def parse_date(value: str, *, option: str = "--as-of") -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UserError("must be a date like 2026-11-26", field=option) from None


def resolve_as_of(record: EvaluationRecord, as_of: str | None) -> dt.date:
    if as_of:
        return parse_date(as_of)
    return record.evaluation_date or dt.date.today()  # noqa: DTZ011, TID251 (the CLI may read the clock)


def assess_file(
    file: Path, *, as_of: str | None, profile: str | None
) -> tuple[EvaluationRecord, KnowledgeBase, Assessment]:
    """Read a record, apply the profile option, and evaluate it: what every record command does."""
    record = read_record(file)
    if profile:
        record = record.model_copy(update={"profile": profile})
    kb = get_kb()
    return record, kb, evaluate(record, kb, as_of=resolve_as_of(record, as_of))
