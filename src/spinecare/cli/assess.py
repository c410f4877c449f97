"""``spinecare assess FILE.json`` and ``spinecare schema evaluation``."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from spinecare.cli.context import console, get_kb
from spinecare.cli.inputs import AsOf, Profile, RecordFile, assess_file
from spinecare.core.evaluation.assessment import Assessment
from spinecare.core.evaluation.record import EvaluationRecord

schema_app = typer.Typer(help="Publish the JSON Schemas of SpineCare's input records.")


def register(app: typer.Typer) -> None:
    @app.command()
    def assess(
        file: RecordFile,
        as_of: AsOf = None,
        profile: Profile = None,
        as_json: Annotated[
            bool, typer.Option("--json", help="Print the Assessment as JSON.")
        ] = False,
    ) -> None:
        """Evaluate one patient: red flags first, then localisation, imaging, risk, diagnoses."""
        _, _, assessment = assess_file(file, as_of=as_of, profile=profile)
        if as_json:
            typer.echo(json.dumps(assessment.to_dict(), indent=2, ensure_ascii=False))
        else:
            print_assessment(assessment)

    app.add_typer(schema_app, name="schema")

    @schema_app.command("evaluation")
    def schema_evaluation() -> None:
        """The JSON Schema of the evaluation record."""
        typer.echo(json.dumps(EvaluationRecord.model_json_schema(), indent=2))


def print_assessment(a: Assessment) -> None:
    kb = get_kb()
    console.rule(
        f"[bold]Assessment[/] — patient {a.patient_id or '(no id)'} — {a.as_of} — profile {a.profile}"
    )
    if a.red_flags:
        for f in a.red_flags:
            console.print(
                Panel(
                    f"[bold]{escape(f.title)}[/] — urgency: [bold]{f.urgency.upper()}[/]\n{escape(f.action)}\n"
                    f"[dim]Findings: {escape(_findings(f.basis.findings))} · {f.basis.rule} · {', '.join(f.basis.cites)}[/]",
                    title="RED FLAG",
                    border_style="red",
                )
            )
    else:
        console.print("[green]No red flags found[/] among the questions answered.")
    high = [d for d in a.data_needed if d.priority == "high"]
    if high:
        console.print(
            Panel(
                "\n".join(f"• {escape(d.question)} [dim]({d.fact})[/]" for d in high),
                title="Red-flag questions not answered — ask these now",
                border_style="yellow",
            )
        )
    if a.localisation:
        console.print("\n[bold]Neurological localisation[/]")
        for r in a.localisation:
            console.print(
                f"  {r.root} {r.side}: {escape('; '.join(r.supporting))} [dim](imaging: {r.imaging})[/]"
            )
    im = a.imaging
    console.print("\n[bold]Imaging[/]")
    if im.variant:
        console.print(f"  ACR variant {im.variant}: {escape(im.variant_title)}")
        for rating in im.ratings:
            console.print(f"    {escape(rating.title)}: {rating.rating.replace('-', ' ')}")
    else:
        console.print("  No ACR variant could be chosen yet (see data needed).")
    for s in im.statements:
        console.print(f"  • {escape(s.summary)} [dim]({', '.join(s.basis.cites)})[/]")
    if im.order_check:
        console.print(
            f"  Order check: [bold]{im.order_check['result']}[/] — {escape(im.order_check['reason'])}"
        )
    if a.scores:
        console.print("\n[bold]Questionnaires[/]")
        for inst, res in a.scores.items():
            extra = res.get("risk_group") or res.get("band") or ""
            console.print(f"  {inst}: {res['score']} {extra}")
    for c in a.stratification:
        console.print(f"  • {escape(c.summary)} [dim]({', '.join(c.basis.cites)})[/]")
    if a.diagnoses:
        table = Table(title="Working diagnoses", show_lines=False)
        for col in ("diagnosis", "ICD-10-CM", "likelihood", "for", "against"):
            table.add_column(col, overflow="fold")
        for d in a.diagnoses:
            table.add_row(
                escape(d.title),
                d.icd10cm,
                d.likelihood,
                _findings(d.findings_for),
                escape("; ".join(d.findings_against)),
            )
        console.print(table)
    for c in a.classifications:
        console.print(f"  Classification: {escape(c.summary)} [dim]({', '.join(c.basis.cites)})[/]")
    for c in a.other:
        console.print(
            f"  [bold]Medicine alert:[/] {escape(c.summary)} [dim]({', '.join(c.basis.cites)})[/]"
        )
    if a.unrecognised_medicines:
        console.print(
            f"  [bold]Medicines not recognised[/] (safety checks incomplete): {escape(', '.join(a.unrecognised_medicines))}"
        )
    normal = [d for d in a.data_needed if d.priority != "high"]
    if normal:
        console.print("\n[bold]Data needed[/]")
        for need in normal:
            console.print(
                f"  • {escape(need.question)} [dim]({need.fact}; for {', '.join(need.needed_for[:2])})[/]"
            )
    console.print(f"\n[dim]{kb.label} · {len(a.trace.fired)} rules fired · profile {a.profile}[/]")


def _findings(findings: dict[str, Any]) -> str:
    return ", ".join(f"{k}={_fmt(v)}" for k, v in findings.items()) or "—"


def _fmt(v: Any) -> str:
    if isinstance(v, frozenset | set | list):
        return "/".join(sorted(map(str, v)))
    return str(v).lower() if isinstance(v, bool) else str(v)
