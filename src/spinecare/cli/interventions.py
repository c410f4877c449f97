"""``spinecare eligibility FILE.json``: interventional-procedure eligibility, criterion by criterion."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.markup import escape

from spinecare.cli.context import console, get_kb
from spinecare.cli.inputs import AsOf, Profile, RecordFile, assess_file
from spinecare.core.errors import UserError
from spinecare.core.interventions import InterventionsReport, evaluate_interventions

STATUS_STYLE = {
    "eligible": "[green]ELIGIBLE[/]",
    "not-eligible": "[red]NOT ELIGIBLE[/]",
    "cannot-decide": "[yellow]CANNOT DECIDE[/]",
}
CRITERION_MARK = {
    "met": "[green]met[/]",
    "not-met": "[red]not met[/]",
    "data-needed": "[yellow]data needed[/]",
}


def register(app: typer.Typer) -> None:
    @app.command()
    def eligibility(
        file: RecordFile,
        procedure: Annotated[
            str | None, typer.Option(help="Only this procedure, e.g. esi-transforaminal.")
        ] = None,
        as_of: AsOf = None,
        profile: Profile = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    ) -> None:
        """Eligibility for epidural, facet, medial branch, radiofrequency and SI joint procedures."""
        procedures = get_kb().tables.get("interventions", {}).get("procedures", {})
        if procedure is not None and procedure not in procedures:
            raise UserError(
                f"no procedure '{procedure}'; known: {', '.join(procedures)}", field="--procedure"
            )
        record, kb, assessment = assess_file(file, as_of=as_of, profile=profile)
        report = evaluate_interventions(assessment, record, kb, procedure=procedure)
        if as_json:
            typer.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
        else:
            print_report(report, {n: f.definition for n, f in kb.facts.items()})


def print_report(report: InterventionsReport, definitions: dict[str, str] | None = None) -> None:
    console.rule(f"[bold]Interventional eligibility[/] — {report.as_of} — profile {report.profile}")
    console.print(f"Rule set: {escape(report.rule_set)}")
    for p in report.procedures:
        console.print()
        console.print(f"[bold]{escape(p.title)}[/] ({p.procedure}): {STATUS_STYLE[p.status]}")
        if p.because:
            console.print("  because: " + escape("; ".join(p.because)))
        if p.needs:
            console.print("  needs: " + escape("; ".join(p.needs)))
        for need in p.needs:
            if definitions and need in definitions:
                console.print(f"    [dim]{escape(need)}: {escape(definitions[need])}[/]")
        for c in p.criteria:
            line = f"  - {CRITERION_MARK[c.status]} {escape(c.label)}"
            if c.missing:
                line += f" [dim](needs {escape(', '.join(c.missing))})[/]"
            console.print(line)
            console.print(f"    [dim]{escape(', '.join(c.cites))}[/]")
