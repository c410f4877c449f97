"""``spinecare referral FILE.json``: the referral letter to the spinal surgeon."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.panel import Panel

from spinecare.cli.context import console
from spinecare.cli.inputs import AsOf, Profile, RecordFile, assess_file
from spinecare.core.surgery.letter import letter_text, referral_letter
from spinecare.core.surgery.referral import surgical_referral


def register(app: typer.Typer) -> None:
    @app.command()
    def referral(
        file: RecordFile,
        as_of: AsOf = None,
        profile: Profile = None,
        as_json: Annotated[
            bool, typer.Option("--json", help="Print the letter and the decision as JSON.")
        ] = False,
    ) -> None:
        """Print the surgical referral letter: reason and urgency, history, examination,
        imaging, treatments tried, outcome scores, medicines and the question to the surgeon."""
        record, kb, assessment = assess_file(file, as_of=as_of, profile=profile)
        decision = surgical_referral(record, assessment, kb)
        letter = referral_letter(record, assessment, decision, kb)
        if as_json:
            out = {"letter": letter.to_dict(), "decision": decision.to_dict()}
            typer.echo(json.dumps(out, indent=2, ensure_ascii=False))
        else:
            typer.echo(letter_text(letter), nl=False)


def print_surgical_referral(decision: dict[str, Any] | None) -> None:
    """The plan's surgical referral panel (``spinecare plan``); emergency and urgent referrals
    are already printed first among the plan's "act first" actions."""
    if not decision:
        return
    lines = [
        f"[bold]{escape(decision['urgency'].upper().replace('-', ' '))}[/]: {escape(decision['summary'])}"
    ]
    for r in decision["referrals"]:
        lines.append(f"  refer: {escape(r['procedure_title'])} — {escape(r['urgency'])}")
        lines += [
            f"    why: {escape(x)} [dim]({', '.join(r['basis']['cites'])})[/]" for x in r["reasons"]
        ]
    for r in decision["not_indicated"]:
        lines.append(
            f"  not indicated: {escape(r['summary'])} [dim]({', '.join(r['basis']['cites'])})[/]"
        )
    if decision["data_needed"]:
        lines.append(f"  data needed: {', '.join(decision['data_needed'])}")
    adr = decision.get("disc_replacement")
    if adr:
        lines.append(f"  disc replacement (label check): {escape(adr['summary'])}")
        for c in adr["criteria"]:
            lines.append(f"    [{c['status']}] {escape(c['label'])}".replace("[", "\\[", 1))
    console.print(Panel("\n".join(lines), title="Surgical referral", border_style="blue"))
