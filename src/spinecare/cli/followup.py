"""``spinecare followup FILE.json``: response evaluation and plan-adjustment proposals."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.panel import Panel

from spinecare.cli.context import console, get_kb
from spinecare.cli.inputs import read_model
from spinecare.core.errors import UserError
from spinecare.core.followup.engine import follow_up
from spinecare.core.followup.episode import Episode
from spinecare.core.followup.model import FollowUpReport

CLASS_LABEL = {
    "improved": "IMPROVED",
    "no-important-change": "no important change",
    "worse": "WORSE",
}


def read_episode(path: Path) -> Episode:
    return read_model(path, Episode)


def register(app: typer.Typer) -> None:
    @app.command()
    def followup(
        file: Annotated[Path, typer.Argument(help="An episode (baseline, plan, visits) as JSON.")],
        as_of: Annotated[
            str | None, typer.Option(help="Date (default: the latest visit, else the baseline).")
        ] = None,
        profile: Annotated[
            str | None, typer.Option(help="Guideline profile, e.g. uk-nice or us-acp-cdc.")
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    ) -> None:
        """Evaluate the response at follow-up and propose how to adjust the plan."""
        episode = read_episode(file)
        if profile:
            episode = episode.model_copy(
                update={"baseline": episode.baseline.model_copy(update={"profile": profile})}
            )
        date = None
        if as_of:
            try:
                date = dt.date.fromisoformat(as_of)
            except ValueError:
                raise UserError("must be a date like 2026-11-26", field="--as-of") from None
        report = follow_up(episode, get_kb(), as_of=date)
        if as_json:
            typer.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
        else:
            print_report(report)


def print_report(r: FollowUpReport) -> None:
    console.rule(
        f"[bold]Follow-up[/] — patient {r.patient_id or '(no id)'} — {r.as_of} — profile {r.profile}"
    )
    for f in r.new_red_flags:
        was = f" (was {f.baseline_urgency})" if f.baseline_urgency else ""
        console.print(
            Panel(
                f"[bold]{escape(f.title)}[/] — {f.urgency.upper()}{was}\n{escape(f.action)}\n"
                "The evaluation is re-opened; act on this first.",
                title=f"RED FLAG {f.status.upper()} SINCE BASELINE",
                border_style="red",
            )
        )
    for f in r.red_flags:
        if not f.leads:
            console.print(f"[red]Red flag persisting:[/] {escape(f.title)} — {f.urgency}")
    weeks = f", {r.weeks_since_baseline:g} weeks after baseline" if r.weeks_since_baseline else ""
    console.print(f"\nBaseline {r.baseline_date}; latest visit {r.visit_date or 'none yet'}{weeks}")
    if r.outcomes:
        console.print("\n[bold]Outcomes[/] (change vs baseline; vs previous)")
        for o in r.outcomes:
            pct = f" ({o.change_percent:+g} %)" if o.change_percent is not None else ""
            mic = " or ".join(
                x
                for x in (
                    f"{o.mic_points:g} points" if o.mic_points is not None else "",
                    f"{o.mic_percent:g} %" if o.mic_percent is not None else "",
                )
                if x
            )
            console.print(
                f"  {o.instrument.upper()}: {o.baseline:g} → {o.current:g}: {o.change_points:+g}{pct} "
                f"[bold]{CLASS_LABEL[o.classification]}[/]; vs previous {o.change_vs_previous_points:+g} "
                f"{CLASS_LABEL[o.classification_vs_previous]} [dim](MIC {mic})[/]"
            )
    console.print(
        f"\n[bold]Episode status:[/] {r.episode_status or 'unknown'} — {escape(r.episode_status_reason)}"
    )
    if r.adjustments:
        console.print("\n[bold]Proposals[/]")
        for a in r.adjustments:
            console.print(
                f"  {escape('[' + a.action + ']')} {escape(a.summary)} [dim]({', '.join(a.basis.cites)})[/]"
            )
            if a.on_hold:
                console.print(f"      [red]{escape(a.on_hold)}[/]")
            if a.details.get("medicines"):
                console.print(f"      medicines: {', '.join(a.details['medicines'])}")
            if a.details.get("taper_text"):
                console.print(f"      taper: {escape(a.details['taper_text'])}")
    if r.goals:
        console.print("\n[bold]Goals[/]")
        for g in r.goals:
            console.print(f"  • {escape(g.title)}: [bold]{g.status}[/] — {escape(g.detail)}")
    if r.procedure_relief:
        console.print("\n[bold]Intervention relief[/]")
        for p in r.procedure_relief:
            got = "not recorded" if p.percent_relief is None else f"{p.percent_relief:g} %"
            console.print(
                f"  {p.procedure} {p.date}: relief {got} (threshold {p.threshold_percent:g} %) — {escape(p.threshold_text)}"
            )
    console.print(
        "\n[bold]Schedule[/] [dim](routine contacts: SpineCare local policy, configurable)[/]"
    )
    for c in r.schedule:
        policy = " [dim](local policy)[/]" if c.local_policy else ""
        console.print(
            f"  {c.due} {escape(c.title)} — {c.status}; questionnaires: {', '.join(c.questionnaires) or '-'}{policy}"
        )
    if r.data_needed:
        console.print("\n[bold]Data needed[/]")
        for d in r.data_needed:
            mark = "[red]![/] " if d.priority == "high" else ""
            console.print(f"  {mark}{d.fact}: {escape(d.question)}")
    console.print(f"\n[dim]KB {r.kb_version} · {len(r.rules_fired)} follow-up rules fired[/]")
