"""Facts derived from the procedure log (``record.procedures``).

Mechanism only: counting, dating and reading relief reports. Which procedure types a fact
covers, its rolling window and its relief threshold are knowledge-base data
(``tables/interventions.yaml`` ``log_facts``). ``procedures`` omitted means the log was not
taken: every log fact is then unknown, never zero.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from spinecare.core.evaluation.record import ProcedureRecord

ALWAYS_DIAGNOSTIC = frozenset({"mbb"})  # a medial branch block is a diagnostic block by definition


def months_between(earlier: dt.date, later: dt.date) -> int:
    """Whole calendar months from ``earlier`` to ``later`` (negative if later is before)."""
    months = (later.year - earlier.year) * 12 + (later.month - earlier.month)
    if later.day < earlier.day:
        months -= 1
    return months


def is_diagnostic(p: ProcedureRecord) -> bool | None:
    return True if p.type in ALWAYS_DIAGNOSTIC else p.diagnostic


def best_relief(p: ProcedureRecord) -> float | None:
    return max((r.percent_relief for r in p.relief), default=None)


def log_facts(
    procedures: Sequence[ProcedureRecord] | None,
    specs: Mapping[str, Mapping[str, Any]],
    *,
    as_of: dt.date,
) -> dict[str, Any]:
    """Each declared log fact's value (None = unknown)."""
    return {name: _one(procedures, spec, as_of) for name, spec in specs.items()}


def _one(
    procedures: Sequence[ProcedureRecord] | None, spec: Mapping[str, Any], as_of: dt.date
) -> Any:
    if procedures is None:
        return None
    types = set(spec["types"])
    wanted = spec.get("diagnostic")
    window = spec.get("within_months")
    chosen: list[ProcedureRecord] = []
    for p in procedures:
        if p.type not in types or p.date > as_of:
            continue
        if window is not None and months_between(p.date, as_of) >= window:
            continue
        if wanted is not None:
            diag = is_diagnostic(p)
            if diag is None:
                return None  # cannot tell whether this entry counts
            if diag is not wanted:
                continue
        chosen.append(p)
    measure = spec["measure"]
    if measure == "count":
        return len(chosen)
    if measure == "count_with_relief":
        reliefs = [best_relief(p) for p in chosen]
        if any(r is None for r in reliefs):
            return None  # a block without a relief report: its result is unknown
        return sum(1 for r in reliefs if r is not None and r >= spec["min_relief"])
    if not chosen:
        return None
    last = max(chosen, key=lambda p: p.date)
    if measure == "months_since_last":
        return months_between(last.date, as_of)
    return best_relief(last)  # last_best_relief
