"""``spinecare kb validate`` and ``spinecare kb test`` as a user runs them."""

from __future__ import annotations

from pathlib import Path

import pytest

from clirun import run
from kbcopy import copy_kb, edit
from spinecare.cli import context

CES = "rules/red-flags/cauda-equina.yaml"


@pytest.fixture(autouse=True)
def _fresh_kb_cache() -> None:
    context.get_kb.cache_clear()


def test_validate_packaged_kb(capsys: pytest.CaptureFixture[str]) -> None:
    """The shipped KB validates; the output names its version and hash."""
    code, out, _ = run(["kb", "validate"], capsys)
    assert code == 0
    assert "is valid" in out
    assert "KB 0." in out
    assert "sha256" in out


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("fact: saddle_anaesthesia", "fact: saddle_anesthesia", f"{CES}: when.any.3.fact"),
        ("src.bass-2018#", "src.bass-2099#", f"{CES}: cites.0"),
        (
            "{fact: urinary_retention, eq: true}",
            "{fact: urinary_retention, eq: yes-please}",
            f"{CES}: when.any.0.eq",
        ),
    ],
)
def test_validate_broken_kb_exits_nonzero_naming_file_and_key(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    old: str,
    new: str,
    expected: str,
) -> None:
    """A broken file (unknown fact, bad citation, wrong type) fails validate with file and key."""
    kb_dir = copy_kb(tmp_path)
    edit(kb_dir / CES, old, new)
    monkeypatch.setenv("SPINECARE_KB_PATH", str(kb_dir))
    code, _, err = run(["kb", "validate"], capsys)
    assert code == 1
    assert expected in " ".join(err.split())


def test_kb_test_passes_on_packaged_kb(capsys: pytest.CaptureFixture[str]) -> None:
    """All shipped scenarios pass; the summary counts them."""
    code, out, _ = run(["kb", "test", "-v"], capsys)
    assert code == 0, out
    assert " 0 failed" in out
    assert "ces-retention" in out


def test_kb_test_reports_failures_with_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A scenario whose expectation is wrong fails, is named, and the run exits 1."""
    kb_dir = copy_kb(tmp_path)
    sc = kb_dir / "scenarios/red-flags/cauda-equina.yaml"
    edit(
        sc,
        "facts: {saddle_anaesthesia: true, urinary_retention: false}",
        "facts: {saddle_anaesthesia: false, urinary_retention: false}",
    )
    monkeypatch.setenv("SPINECARE_KB_PATH", str(kb_dir))
    code, out, _ = run(["kb", "test", "scenarios/red-flags"], capsys)
    assert code == 1
    flat = " ".join(out.split())
    assert "FAIL" in flat
    assert "ces-saddle-only" in flat
    assert "1 failed" in flat


def test_kb_test_unknown_path(capsys: pytest.CaptureFixture[str]) -> None:
    """Asking for scenarios under a path with none is an error, not a silent pass."""
    code, out, _ = run(["kb", "test", "scenarios/nothing-here"], capsys)
    assert code == 1
    assert "No scenarios" in out


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """A mistyped command prints usage and exits 2, without a traceback."""
    code, _, err = run(["kb", "validat"], capsys)
    assert code == 2
    assert "No such command" in err
    assert "Traceback" not in err
