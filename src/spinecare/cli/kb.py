"""``spinecare kb …``: validate the knowledge base and run its clinical scenarios."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from spinecare.cli.context import console, get_kb
from spinecare.core.assurance import run_scenario
from spinecare.knowledge.schema import kb_json_schema

app = typer.Typer(help="Validate the knowledge base and run its clinical test scenarios.")


@app.command()
def validate() -> None:
    """Load the knowledge base and check every file; exit 1 naming each problem."""
    kb = get_kb()
    console.print(
        f"[green]✓[/] {kb.label} is valid: {len(kb.rules)} rules, {len(kb.facts)} facts, "
        f"{len(kb.sources)} sources, {len(kb.instruments)} instruments, "
        f"{len(kb.profiles)} profiles ({', '.join(sorted(kb.profiles))}), "
        f"{len(kb.scenarios)} scenarios."
    )


@app.command("test")
def run_scenarios(
    path: Annotated[
        str | None,
        typer.Argument(
            help="Only scenarios whose file is under this path (e.g. scenarios/red-flags)."
        ),
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="List passing scenarios too.")
    ] = False,
) -> None:
    """Run the KB's scenarios; print pass/fail per scenario; exit 1 on any failure."""
    kb = get_kb()
    prefix = _scenario_prefix(path)
    selected = [s for s in kb.scenarios if s.file.startswith(prefix)]
    if not selected:
        console.print(f"[red]No scenarios under '{path}'.[/]")
        raise typer.Exit(1)
    table = Table(title=f"Scenarios — {kb.label}", show_lines=False)
    table.add_column("result")
    table.add_column("scenario")
    table.add_column("profile")
    table.add_column("details", overflow="fold")
    passed = failed = 0
    for scenario in selected:
        for outcome in run_scenario(kb, scenario):
            if outcome.passed:
                passed += 1
                if verbose:
                    table.add_row("[green]pass[/]", scenario.id, outcome.profile, scenario.title)
            else:
                failed += 1
                table.add_row(
                    "[red]FAIL[/]", scenario.id, outcome.profile, "\n".join(outcome.failures)
                )
    if table.row_count:
        console.print(table)
    colour = "red" if failed else "green"
    console.print(f"[{colour}]{passed} passed, {failed} failed[/]")
    if failed:
        raise typer.Exit(1)


@app.command()
def schema() -> None:
    """Print the JSON Schemas of the KB file formats."""
    console.print_json(json.dumps(kb_json_schema()))


def _scenario_prefix(path: str | None) -> str:
    if not path:
        return ""
    p = Path(path)
    parts = p.parts
    if "scenarios" in parts:  # accept src/spinecare/kb/scenarios/x or scenarios/x
        parts = parts[parts.index("scenarios") :]
    return Path(*parts).as_posix() if parts else ""
