"""``spinecare mme FILE``: total daily MME and CDC 2022 opioid-safety flags, per patient.

Reads a FHIR R4 Bundle, NDJSON with one Bundle per line (streamed), or native SpineCare MME
records (see ``spinecare.fhir.medications``). The import path stays light: no Django, no
``fhir.resources``, no pydantic per patient; rich is imported only for the table output.
"""

from __future__ import annotations

import datetime as dt
import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from spinecare.core.errors import UserError

if TYPE_CHECKING:
    from rich.console import Console

    from spinecare.core.medications.results import MmeAssessment

FileArg = Annotated[
    Path,
    typer.Argument(
        help="A FHIR R4 Bundle (.json), NDJSON with one Bundle or record per line, or a native "
        "SpineCare record ({patient_id, medications}); '-' reads standard input.",
        allow_dash=True,
    ),
]
JsonOpt = Annotated[
    bool, typer.Option("--json", help="One JSON object per patient per line (JSON Lines).")
]
FactorsOpt = Annotated[
    str | None,
    typer.Option(
        "--factors", help="MME conversion factor set: cdc2022 (default) or cdc2016 (comparison)."
    ),
]
AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of", help="Evaluation date YYYY-MM-DD: which orders are current (default: today)."
    ),
]


_CHUNK = 32  # JSON lines per write (about 75 kB)


def register(app: typer.Typer) -> None:
    """Add the ``mme`` command to ``app``."""

    @app.command("mme")
    def mme_command(
        file: FileArg,
        as_json: JsonOpt = False,
        factors: FactorsOpt = None,
        as_of: AsOfOpt = None,
    ) -> None:
        """Each opioid's daily dose, factor and MME, the total MME/day and the safety flags.

        An order counts when it is active, an order, a community prescription and authored
        within two years before the evaluation date. Buprenorphine is not counted; a medicine
        SpineCare does not know is reported as unknown, never counted as zero. Input formats,
        rules and output: docs/mme.md.
        """
        run(file, as_json=as_json, factors=factors, as_of=parse_as_of(as_of))


def parse_as_of(value: str | None) -> dt.date:
    if not value:
        return dt.date.today()  # noqa: DTZ011, TID251 (the CLI may read the clock; the core never does)
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UserError("must be a date like 2025-06-01", field="--as-of") from None


def run(file: Path, *, as_json: bool, factors: str | None, as_of: dt.date) -> int:
    """Assess every patient in ``file``; return how many."""
    from spinecare.cli.context import get_kb
    from spinecare.core.medications.mme import assess, calculator_for
    from spinecare.fhir.medications import read_patients

    kb = get_kb()
    calc = calculator_for(kb, factors)
    source = sys.stdin.buffer if str(file) == "-" else file
    patients = read_patients(source, name="-" if source is not file else str(file))
    count = 0
    if as_json:
        sys.stdout.flush()
        write = sys.stdout.buffer.write
        dumps = _dumps()
        # Lines are written in chunks (one write per _CHUNK patients: faster than one each);
        # what was computed before an error in the input is still written.
        lines: list[bytes] = []
        keep = lines.append
        try:
            for patient in patients:
                keep(dumps(assess(calc, patient, as_of=as_of)))
                if len(lines) == _CHUNK:
                    write(b"".join(lines))
                    count += _CHUNK
                    lines.clear()
        finally:
            write(b"".join(lines))
            count += len(lines)
            sys.stdout.buffer.flush()
        return count
    from spinecare.cli.context import console

    console.print(
        f"[dim]{kb.label} · {calc.table.ref} · factors {calc.factor_set.id} "
        f"({calc.factor_set.title}) · as of {as_of}[/]"
    )
    for patient in patients:
        print_assessment(console, assess(calc, patient, as_of=as_of))
        count += 1
    if count == 0:
        console.print("No patients in the file.")
    return count


def _dumps() -> Callable[[MmeAssessment], bytes]:
    """One JSON line per assessment: orjson serialises the result dataclasses directly."""
    try:
        import orjson
    except ImportError:  # pragma: no cover - orjson is a dependency
        import json

        return lambda a: (json.dumps(a.to_dict(), ensure_ascii=False) + "\n").encode()
    return functools.partial(orjson.dumps, option=orjson.OPT_APPEND_NEWLINE)


_SEVERITY_STYLE = {"critical": "bold red", "warning": "yellow", "info": "cyan"}


def print_assessment(console: Console, a: MmeAssessment) -> None:
    """A clinician-readable table: each order, its supply, daily dose, factor, MME and status."""
    from rich.markup import escape
    from rich.table import Table

    from spinecare.core.medications.results import REASON_TEXT, Kind

    patient = escape(a.patient_id or "(no id)")
    table = Table(title=f"Patient {patient}", title_justify="left")
    table.add_column("Medicine")
    table.add_column("Authored", no_wrap=True)
    table.add_column("Supply", justify="right", no_wrap=True)
    table.add_column("Daily dose", justify="right", no_wrap=True)
    table.add_column("Factor", justify="right")
    table.add_column("MME/day", justify="right")
    table.add_column("In total?")
    for r in a.prescriptions:
        o = r.order
        name = escape(o.name or f"RxNorm {o.rxnorm}")  # RxNorm names hold [Brand] brackets
        if r.kind != Kind.OPIOID:
            name += f" [dim]({r.kind})[/]"
        dose = f"{_num(r.daily_dose)} {r.daily_dose_unit}" if r.daily_dose is not None else "—"
        if r.counted:
            status = "[green]counted[/]"
        elif r.reason is not None:
            style = "red" if r.current and r.kind in (Kind.OPIOID, Kind.UNKNOWN) else "dim"
            status = f"[{style}]no: {REASON_TEXT[r.reason]}[/]"
        else:  # pragma: no cover - every uncounted order has a reason
            status = "no"
        table.add_row(
            name,
            o.authored_on.isoformat() if o.authored_on else "—",
            f"{_num(o.supply_days)} d" if o.supply_days is not None else "—",
            dose,
            _num(r.factor) if r.factor is not None else "—",
            _num(r.mme) if r.mme is not None else "—",
            status,
        )
    if a.prescriptions:
        console.print(table)
    else:
        console.print(f"[bold]Patient {patient}[/]: no medication orders.")
    lower = "" if a.total_complete else " [red](at least: some current orders are not converted)[/]"
    console.print(f"[bold]Total: {_num(a.total_mme)} MME/day[/] ({a.factor_set}){lower}")
    for alert in a.alerts:
        style = _SEVERITY_STYLE.get(alert.severity, "")
        console.print(f"[{style}]{alert.severity.upper()}[/] [bold]{escape(alert.title)}[/]")
        console.print(f"  {escape(alert.detail)}", highlight=False)
        console.print(f"  [dim]{escape(', '.join(alert.cites))}[/]")
    if not a.alerts:
        console.print("[green]No opioid-safety flags.[/]")
    console.print()


def _num(value: float | None) -> str:
    return "—" if value is None else f"{round(value, 2):g}"
