"""Entry point of the ``spinecare`` command. Wiring only; the work lives in the core."""

from __future__ import annotations

import sys

import typer

from spinecare.cli import assess, instruments, leaflets, mme, plan
from spinecare.cli import followup as followup_commands
from spinecare.cli import interventions as interventions_cli
from spinecare.cli import kb as kb_commands
from spinecare.cli import referral as referral_cli
from spinecare.cli.context import err_console, get_kb
from spinecare.core.errors import KnowledgeBaseError, UserError

app = typer.Typer(
    name="spinecare",
    help="SpineCare: decision support and care management for back pain specialists.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(kb_commands.app, name="kb")
instruments.register(app, get_kb)
assess.register(app)
mme.register(app)
plan.register(app)
leaflets.register(app)
followup_commands.register(app)
interventions_cli.register(app)
referral_cli.register(app)


@app.command()
def version() -> None:
    """Print the SpineCare version and the knowledge base in use."""
    from importlib.metadata import version as dist_version

    kb = get_kb()
    typer.echo(f"SpineCare {dist_version('spinecare')} — {kb.label}, released {kb.release_date}")


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; user errors print one clear message and exit 2, KB errors exit 1.

    Click's standalone mode handles usage errors and exit codes; our own errors propagate
    out of it and are reported here without a traceback.
    """
    try:
        app(args=argv, standalone_mode=True)
    except UserError as exc:
        where = f"{exc.field}: " if exc.field else ""
        err_console.print(f"[red]Error:[/] {where}{exc.message}", soft_wrap=True)
        sys.exit(exc.exit_code)
    except KnowledgeBaseError as exc:
        err_console.print(str(exc), style="red", soft_wrap=True, markup=False)
        sys.exit(exc.exit_code)
