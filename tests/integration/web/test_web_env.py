"""The fail-fast environment helpers behind settings.py."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from spinecare.web.env import (
    get_env_bool,
    get_env_int,
    get_env_list,
    get_env_var,
    read_or_create_secret_key,
)


def test_get_env_var_required_names_variable_and_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPINECARE_X", raising=False)

    with pytest.raises(ImproperlyConfigured, match=r"SPINECARE_X is required.*Set it like so"):
        get_env_var("SPINECARE_X", hint="Set it like so.")


def test_get_env_var_empty_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPINECARE_X", "  ")

    assert get_env_var("SPINECARE_X", "fallback") == "fallback"
    assert get_env_var("SPINECARE_X", None) is None
    with pytest.raises(ImproperlyConfigured):
        get_env_var("SPINECARE_X")


def test_get_env_var_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPINECARE_X", " value ")

    assert get_env_var("SPINECARE_X") == "value"


@pytest.mark.parametrize(("raw", "expected"), [("TRUE", True), ("on", True), ("0", False)])
def test_get_env_bool(monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool) -> None:
    monkeypatch.setenv("SPINECARE_X", raw)

    assert get_env_bool("SPINECARE_X", not expected) is expected


def test_get_env_bool_rejects_other_words(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPINECARE_X", "sometimes")

    with pytest.raises(ImproperlyConfigured, match="SPINECARE_X='sometimes' is not a boolean"):
        get_env_bool("SPINECARE_X", True)


def test_get_env_int(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPINECARE_X", "12")
    assert get_env_int("SPINECARE_X", 1) == 12
    monkeypatch.setenv("SPINECARE_X", "twelve")
    with pytest.raises(ImproperlyConfigured, match="not a whole number"):
        get_env_int("SPINECARE_X", 1)
    monkeypatch.setenv("SPINECARE_X", "-1")
    with pytest.raises(ImproperlyConfigured, match="at least 0"):
        get_env_int("SPINECARE_X", 1)


def test_get_env_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPINECARE_X", raising=False)
    assert get_env_list("SPINECARE_X", ["a"]) == ["a"]
    with pytest.raises(ImproperlyConfigured, match="SPINECARE_X is required"):
        get_env_list("SPINECARE_X")
    monkeypatch.setenv("SPINECARE_X", " one.example , ,two.example ")
    assert get_env_list("SPINECARE_X") == ["one.example", "two.example"]
    monkeypatch.setenv("SPINECARE_X", ",")
    with pytest.raises(ImproperlyConfigured, match="lists nothing"):
        get_env_list("SPINECARE_X", ["a"])


def test_secret_key_created_once_private(tmp_path: Path) -> None:
    path = tmp_path / "secret_key"

    key = read_or_create_secret_key(path)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(key) >= 50
    assert read_or_create_secret_key(path) == key


def test_secret_key_empty_file_fails_fast(tmp_path: Path) -> None:
    path = tmp_path / "secret_key"
    path.write_text("\n")

    with pytest.raises(ImproperlyConfigured, match="is empty"):
        read_or_create_secret_key(path)
