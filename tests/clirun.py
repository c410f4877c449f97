"""Run the ``spinecare`` command in-process, as a user would, and capture what it prints."""

from __future__ import annotations

import pytest

from spinecare.cli.main import main


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Return (exit code, stdout, stderr) of ``spinecare ARGV``."""
    try:
        main(argv)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err
