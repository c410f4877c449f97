"""``spinecare instruments`` and ``spinecare score``: list and score the validated questionnaires.

Answers are given in form order as 0-based option indices, comma-separated; an empty field is
unanswered (``3,2,,1``). Two-option items list their options as [no/disagree, yes/agree], so
yes/agree is 1 and no/disagree is 0.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from spinecare.core.errors import UserError
from spinecare.core.instruments import Instrument, InstrumentResult, score
from spinecare.core.knowledge_base import KnowledgeBase
from spinecare.core.text import did_you_mean

InstrumentArg = Annotated[str, typer.Argument(help="Instrument id, e.g. odi, start_back, phq2.")]
AnswersOpt = Annotated[
    str,
    typer.Option(
        "--answers",
        "-a",
        help="Option index per item in form order, comma-separated; leave a field empty for "
        "an unanswered item (e.g. 3,2,,1). Two-option items: 0 = no/disagree, 1 = yes/agree.",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def register(app: typer.Typer, get_kb: Callable[[], KnowledgeBase]) -> None:
    """Add the ``instruments`` and ``score`` commands to ``app``."""

    @app.command("instruments")
    def list_instruments() -> None:
        """List the questionnaires SpineCare can score, with their items and licence status."""
        kb = get_kb()
        table = Table(title="Instruments")
        table.add_column("Id", no_wrap=True)
        table.add_column("Instrument")
        table.add_column("Items", justify="right")
        table.add_column("Options per item")
        table.add_column("Licence", no_wrap=True)
        for inst in sorted(kb.instruments.values(), key=lambda i: i.id):
            text = "item text shipped" if inst.licence.item_text_shipped else "our labels only"
            table.add_row(
                inst.id,
                f"{inst.short_name}: {inst.name}",
                str(len(inst.items)),
                options_summary(inst),
                f"{inst.licence.status}\n{text}",
            )
        Console().print(table)

    @app.command("score")
    def score_command(
        instrument: InstrumentArg, answers: AnswersOpt, as_json: JsonOpt = False
    ) -> None:
        """Score one completed questionnaire."""
        try:
            inst = find_instrument(get_kb(), instrument)
            result = score(inst, parse_answers(inst, answers))
        except UserError as exc:
            where = f"{exc.field}: " if exc.field else ""
            typer.echo(f"Error: {where}{exc.message}", err=True)
            # SystemExit, not typer.Exit: click returns (not raises) Exit when standalone_mode
            # is off, so the exit code would be lost in callers that ignore the return value.
            raise SystemExit(exc.exit_code) from None
        if as_json:
            typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        else:
            typer.echo(render(inst, result))


def find_instrument(kb: KnowledgeBase, instrument_id: str) -> Instrument:
    """The instrument with this id, or a ``UserError`` suggesting the closest one."""
    try:
        return kb.instruments[instrument_id]
    except KeyError:
        raise UserError(
            f"unknown instrument '{instrument_id}'{did_you_mean(instrument_id, kb.instruments)}; "
            f"known: {', '.join(sorted(kb.instruments))}",
            field="instrument",
        ) from None


def parse_answers(inst: Instrument, text: str) -> list[int | None]:
    """``"3,2,,1"`` → ``[3, 2, None, 1]``; a field that is not a whole number names its item."""
    values: list[int | None] = []
    for position, field in enumerate(text.split(",")):
        token = field.strip()
        if not token:
            values.append(None)
            continue
        try:
            values.append(int(token))
        except ValueError:
            if position >= len(inst.items):
                values.append(None)  # the answer count is wrong anyway; score() says so
                continue
            item = inst.items[position]
            raise UserError(
                f"answer '{token}' is not an option number: choose a whole number "
                f"0–{len(item.options) - 1}",
                field=f"items.{item.key}",
            ) from None
    return values


def options_summary(inst: Instrument) -> str:
    """E.g. ``6 each (0–5)`` or ``8 × 2, 1 × 5``."""
    counts = Counter(len(item.options) for item in inst.items)
    if len(counts) == 1:
        (n,) = counts
        return f"{n} each (0–{n - 1})"
    return ", ".join(f"{times} × {n}" for n, times in sorted(counts.items()))


def render(inst: Instrument, result: InstrumentResult) -> str:
    """Plain-text result for the terminal."""
    lines = [f"{inst.short_name} ({inst.ref}): {inst.primary.label} {result.score}"]
    if result.subscales:
        subs = ", ".join(f"{inst.scale(k).label} {v}" for k, v in result.subscales.items())
        lines.append(f"  subscales: {subs}")
    if result.band is not None:
        lines.append(f"  band: {result.band}")
    if result.risk_group is not None and inst.classification is not None:
        lines.append(f"  {inst.classification.label}: {result.risk_group}")
    answered = f"  answered: {result.answered} of {len(inst.items)}"
    if result.missing_items:
        answered += f" (unanswered: {', '.join(result.missing_items)})"
    lines.append(answered)
    if result.interpretation:
        lines.append(f"  {result.interpretation}")
    return "\n".join(lines)
