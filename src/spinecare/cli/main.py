"""Entry point of the ``spinecare`` command. Wiring only; the work lives in the core."""

from __future__ import annotations

import sys

import typer

from spinecare.cli import assess, instruments
from spinecare.cli import kb as kb_commands
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


@app.command()
def version() -> None:
    """Print the SpineCare version and the knowledge base in use."""
    from importlib.metadata import version as dist_version

    kb = get_kb()
    typer.echo(f"SpineCare {dist_version('spinecare')} — {kb.label}, released {kb.release_date}")


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; user errors print one clear message and exit 2, KB errors exit 1."""
    try:
        code = app(args=argv, standalone_mode=False)
        # Without standalone mode click returns typer.Exit's code instead of raising it.
        if isinstance(code, int) and code:
            sys.exit(code)
    except UserError as exc:
        where = f"{exc.field}: " if exc.field else ""
        err_console.print(f"[red]Error:[/] {where}{exc.message}")
        sys.exit(exc.exit_code)
    except KnowledgeBaseError as exc:
        err_console.print(f"[red]{exc}[/]")
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err_console.print("Aborted.")
        sys.exit(130)
    except Exception as exc:  # click usage errors come through here in non-standalone mode
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise
