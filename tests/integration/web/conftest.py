"""Fixtures for the Django shell's integration tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from pytest_django import Settings

from kbcopy import copy_kb
from spinecare.web.accounts.roles import Role
from spinecare.web.accounts.services import user_create
from spinecare.web.kb import clear_kb_cache

PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Settings) -> None:
    """PBKDF2 at full strength costs ~0.3 s a login; tests only need a hasher that works."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_kb() -> Iterator[None]:
    """Each test loads the KB itself, and leaves no (possibly broken) KB cached behind."""
    clear_kb_cache()
    yield
    clear_kb_cache()


@pytest.fixture
def demo_users(db: None) -> None:
    call_command("seed_demo", stdout=_Discard())


@pytest.fixture
def clinician(db: None) -> User:
    return user_create(username="dr-who", password=PASSWORD, role=Role.CLINICIAN, first_name="Jo")


@pytest.fixture
def broken_kb(tmp_path: Path) -> tuple[Path, str]:
    """A copy of the packaged KB with one rule file that is not valid YAML.

    Returns the KB folder and the broken file's path relative to it.
    """
    root = copy_kb(tmp_path)
    rule = min((root / "rules").rglob("*.yaml"))
    rule.write_text("id: [this list is never closed\n", encoding="utf-8")
    return root, rule.relative_to(root).as_posix()


class _Discard:
    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


@pytest.fixture
def staff(db: None) -> dict[str, User]:
    """One user per role, a second physiotherapist and a user without a role, by key."""
    from webfactories import make_user

    return {
        "clinician": make_user(Role.CLINICIAN, "clin", first_name="Cleo", last_name="Clinic"),
        "physio": make_user(Role.PHYSIOTHERAPIST, "physio1", first_name="Pip", last_name="Physio"),
        "other_physio": make_user(Role.PHYSIOTHERAPIST, "physio2", first_name="Ola"),
        "front_desk": make_user(Role.FRONT_DESK, "desk", first_name="Fran"),
        "administrator": make_user(Role.ADMINISTRATOR, "adm", first_name="Ada"),
        "no_role": make_user(None, "nobody"),
    }
