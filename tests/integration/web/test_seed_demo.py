"""`manage.py seed_demo`: demo logins, idempotent, refused in production."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command
from pytest_django import Settings

from spinecare.web.accounts.selectors import user_get_role

pytestmark = pytest.mark.django_db

DEMO_LOGINS = {
    "demo": "clinician",
    "physio": "physiotherapist",
    "frontdesk": "front_desk",
    "admin": "administrator",
}


def _snapshot() -> list[tuple[object, ...]]:
    users = User.objects.order_by("username").values_list(
        "pk", "username", "password", "is_staff", "is_superuser", "is_active", "groups__name"
    )
    groups = Group.objects.order_by("name").values_list("name", "permissions__codename")
    return [*users, *groups]


def test_seed_demo_creates_the_demo_logins() -> None:
    call_command("seed_demo", stdout=io.StringIO())

    for username, role in DEMO_LOGINS.items():
        user = User.objects.get(username=username)
        assert user.check_password("spinecare-demo"), username
        assert user_get_role(user=user) == role
        assert user.is_staff is (role == "administrator")
        assert not user.is_superuser


def test_seed_demo_twice_changes_nothing() -> None:
    call_command("seed_demo", stdout=io.StringIO())
    before = _snapshot()

    out = io.StringIO()
    call_command("seed_demo", stdout=out)

    assert _snapshot() == before
    assert User.objects.count() == len(DEMO_LOGINS)
    assert "user demo: exists, left unchanged" in out.getvalue()


def test_seed_demo_leaves_a_changed_password_alone() -> None:
    call_command("seed_demo", stdout=io.StringIO())
    demo = User.objects.get(username="demo")
    demo.set_password("a-new-private-password")
    demo.save()

    call_command("seed_demo", stdout=io.StringIO())

    demo.refresh_from_db()
    assert demo.check_password("a-new-private-password")


def test_seed_demo_refused_in_production(settings: Settings) -> None:
    settings.SPINECARE_ENV = "production"

    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo", stdout=io.StringIO())

    assert not User.objects.exists()


def test_seed_demo_force_in_production(settings: Settings) -> None:
    settings.SPINECARE_ENV = "production"

    call_command("seed_demo", "--force", stdout=io.StringIO())

    assert User.objects.filter(username__in=DEMO_LOGINS).count() == len(DEMO_LOGINS)
