"""``spinecare leaflets`` (list the patient leaflets) and ``spinecare leaflet ID`` (print one)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from spinecare.cli.context import console, get_kb
from spinecare.core.errors import UserError
from spinecare.core.leaflets import Leaflet
from spinecare.core.text import did_you_mean

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
PlainOpt = Annotated[
    bool,
    typer.Option(
        "--plain", help="Print the text without Markdown markup (as the patient reads it)."
    ),
]


def _meta(leaflet: Leaflet) -> dict[str, object]:
    return {
        "id": leaflet.id,
        "version": leaflet.version,
        "title": leaflet.title,
        "summary": leaflet.summary,
        "audience": leaflet.audience,
        "reading_level_target": leaflet.reading_level_target,
        "review_status": leaflet.review_status,
        "always_attach": leaflet.always_attach,
        "cites": [str(c) for c in leaflet.cites],
    }


def list_leaflets(as_json: JsonOpt = False) -> None:
    """List the patient leaflets in the knowledge base."""
    kb = get_kb()
    leaflets = sorted(kb.leaflets.values(), key=lambda lf: lf.id)
    if as_json:
        typer.echo(json.dumps([_meta(lf) for lf in leaflets], indent=2))
        return
    from rich.table import Table

    table = Table(title=f"Patient leaflets — {kb.label}")
    table.add_column("id")
    table.add_column("title")
    table.add_column("version")
    table.add_column("status")
    table.add_column("attached")
    for lf in leaflets:
        table.add_row(
            lf.id,
            lf.title,
            lf.version,
            lf.review_status,
            "always" if lf.always_attach else "by rule",
        )
    console.print(table)


def show_leaflet(
    leaflet_id: Annotated[str, typer.Argument(metavar="ID", help="Leaflet id, e.g. urgent-help.")],
    as_json: JsonOpt = False,
    plain: PlainOpt = False,
) -> None:
    """Print one patient leaflet with its version, review status and sources."""
    kb = get_kb()
    leaflet = kb.leaflets.get(leaflet_id)
    if leaflet is None:
        raise UserError(
            f"no leaflet '{leaflet_id}'{did_you_mean(leaflet_id, kb.leaflets)}; "
            "list them with 'spinecare leaflets'",
            field="leaflet",
        )
    if as_json:
        typer.echo(json.dumps({**_meta(leaflet), "body": leaflet.body}, indent=2))
        return
    if plain:
        typer.echo(leaflet.plain_text())
    else:
        from rich.markdown import Markdown

        console.print(Markdown(leaflet.body))
    sources = "; ".join(
        f"{kb.sources[c.source].short or kb.sources[c.source].title} ({c.section})"
        if c.source in kb.sources
        else str(c)
        for c in leaflet.cites
    )
    typer.echo("")
    typer.echo(f"Leaflet {leaflet.ref} — {leaflet.review_status} — {kb.label}")
    typer.echo(f"Sources: {sources}")


def register(app: typer.Typer) -> None:
    app.command("leaflets")(list_leaflets)
    app.command("leaflet")(show_leaflet)
