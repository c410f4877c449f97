"""``spinecare plan FILE.json``: the proposed stepped-care treatment plan."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.markup import escape
from rich.panel import Panel

from spinecare.cli.context import console
from spinecare.cli.inputs import AsOf, Profile, RecordFile, assess_file
from spinecare.core.plan.compose import compose_plan
from spinecare.core.plan.model import TreatmentPlan

STATUS_LABEL = {
    "proposed": "PROPOSED",
    "data-needed": "DATA NEEDED",
    "not-offered": "not offered",
    "excluded": "EXCLUDED",
}


def register(app: typer.Typer) -> None:
    @app.command()
    def plan(
        file: RecordFile,
        as_of: AsOf = None,
        profile: Profile = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON.")] = False,
    ) -> None:
        """Propose a stepped-care plan: every option considered, with its status and basis."""
        record, kb, assessment = assess_file(file, as_of=as_of, profile=profile)
        result = compose_plan(assessment, kb, record=record)
        if as_json:
            typer.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        else:
            print_plan(result)


def print_plan(p: TreatmentPlan) -> None:
    console.rule(
        f"[bold]Treatment plan[/] — patient {p.patient_id or '(no id)'} — {p.as_of} — profile {p.profile}"
    )
    for action in p.urgent_actions:
        console.print(
            Panel(
                f"[bold]{action['title']}[/] — {action['urgency'].upper()}\n{action['action']}",
                title="ACT FIRST",
                border_style="red",
            )
        )
    safety = p.extra.get("opioid_safety")
    if safety:
        lines = [
            f"Total: {safety['total_mme']:g} MME/day ({safety['factor_set']})"
            + ("" if safety["total_complete"] else " — INCOMPLETE, see below")
        ]
        for rx in safety["prescriptions"]:
            if rx.get("counted"):
                lines.append(
                    f"  {escape(rx['order']['name'])}: {rx['daily_dose']:g} {rx['daily_dose_unit']}/day × {rx['factor']:g} = {rx['mme']:g} MME/day"
                )
        for name in safety.get("opioids_without_structured_dose", []):
            lines.append(
                f"  {escape(name)}: no structured dose — not counted; record dose, unit and doses per day"
            )
        for alert in safety["alerts"]:
            lines.append(
                f"  {escape('[' + alert['severity'] + ']')} {escape(alert['title'])} ({', '.join(alert['cites'])})"
            )
        console.print(
            Panel("\n".join(lines), title="Opioid safety (CDC 2022)", border_style="yellow")
        )
    from spinecare.cli.referral import print_surgical_referral  # issue 5

    print_surgical_referral(p.extra.get("surgical_referral"))
    for phase in p.phases:
        items = [i for i in p.items if i.phase == phase.id]
        if not items and phase.entry != "met":
            continue
        entry = {
            "always": "",
            "met": " (entry criteria met)",
            "not-met": " (not yet: entry criteria not met)",
            "data-needed": " (entry: data needed)",
        }[phase.entry]
        console.print(f"\n[bold]{phase.order}. {phase.title}[/]{entry}")
        if phase.on_hold:
            console.print(f"   [red]{phase.on_hold}[/]")
        for item in items:
            label = STATUS_LABEL[item.status]
            shown = item.strength and item.status in ("proposed", "data-needed")
            strength = f" ({item.strength})" if shown else ""
            console.print(
                f"  {escape('[' + label + ']')}{strength} {escape(item.title)}"
                + (f" — {escape(item.detail)}" if item.detail else "")
            )
            for r in item.why:
                console.print(f"      why: {escape(r.text)} [dim]({', '.join(r.basis.cites)})[/]")
            for r in item.reasons_against:
                console.print(
                    f"      {'excluded' if item.status == 'excluded' else 'not offered'}: {escape(r.text)} [dim]({', '.join(r.basis.cites)})[/]"
                )
            for r in item.cautions:
                console.print(
                    f"      caution: {escape(r.text)} [dim]({', '.join(r.basis.cites)})[/]"
                )
            if item.data_needed:
                console.print(f"      data needed: {', '.join(item.data_needed)}")
    if p.goals:
        console.print("\n[bold]Goals[/]")
        for g in p.goals:
            console.print(f"  • {escape(g.title)}: {escape(g.target)}")
    interventions = p.extra.get("interventions")
    if interventions:
        console.print(
            f"\n[bold]Interventional options[/] [dim]({escape(interventions['rule_set'])})[/]"
        )
        for proc in interventions["procedures"]:
            console.print(f"  • {escape(proc['title'])}: {escape(proc['summary'])}")
    leaflets = p.extra.get("leaflets")
    if leaflets:
        console.print("\n[bold]Leaflets for the patient[/]")
        for leaflet in leaflets:
            console.print(f"  • {escape(leaflet['title'])} [dim]({leaflet['id']})[/]")
    console.print(
        f"\n[dim]KB {p.kb_version} · {len(p.rules_fired)} plan rules fired · profile {p.profile}[/]"
    )
