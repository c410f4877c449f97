"""The system check `spinecare.E001`: `manage.py check` fails when the KB does not validate."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from pytest_django import Settings

from spinecare.web.checks import KB_INVALID, KB_LOADER_FAILED, check_knowledge_base
from spinecare.web.kb import clear_kb_cache


def test_check_passes_with_packaged_kb(settings: Settings) -> None:
    settings.SPINECARE_KB_PATH = None
    clear_kb_cache()

    assert check_knowledge_base() == []
    call_command("check")  # raises SystemCheckError on any error


def test_check_fails_naming_the_broken_file(
    settings: Settings, broken_kb: tuple[Path, str]
) -> None:
    root, broken_file = broken_kb
    settings.SPINECARE_KB_PATH = root
    clear_kb_cache()

    errors = check_knowledge_base()

    assert errors
    assert {error.id for error in errors} == {KB_INVALID}
    assert any(broken_file in error.msg for error in errors)
    with pytest.raises(SystemCheckError, match=KB_INVALID) as raised:
        call_command("check")
    assert broken_file in str(raised.value)


def test_check_fails_when_kb_folder_is_missing(settings: Settings, tmp_path: Path) -> None:
    settings.SPINECARE_KB_PATH = tmp_path / "no-kb-here"
    clear_kb_cache()

    errors = check_knowledge_base()

    assert [error.id for error in errors] == [KB_INVALID]


def test_check_reports_a_crashing_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug in the loader fails the check with a message instead of crashing `manage.py`."""

    def crash(path: object) -> None:
        raise AttributeError("no attribute 'oops'")

    monkeypatch.setattr("spinecare.web.kb.load_kb", crash)

    errors = check_knowledge_base()

    assert [error.id for error in errors] == [KB_LOADER_FAILED]
    assert "AttributeError: no attribute 'oops'" in errors[0].msg
