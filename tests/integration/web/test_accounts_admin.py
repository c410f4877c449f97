"""The admin site: administrators manage users but cannot make anybody a superuser."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from spinecare.web.accounts.roles import Role
from spinecare.web.accounts.services import user_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator() -> User:
    return user_create(
        username="it-admin", password="correct-horse-battery", role=Role.ADMINISTRATOR
    )


def test_admin_site_at_admin(client: Client, administrator: User) -> None:
    client.force_login(administrator)

    response = client.get("/admin/")

    assertContains(response, "SpineCare administration")
    assertContains(response, reverse("admin:auth_user_changelist"))


def test_administrator_cannot_grant_superuser(client: Client, administrator: User) -> None:
    client.force_login(administrator)
    url = reverse("admin:auth_user_change", args=[administrator.pk])

    page = client.get(url)
    assertNotContains(page, 'name="is_superuser"')
    assertNotContains(page, 'name="user_permissions"')

    client.post(url, {"username": "it-admin", "is_superuser": "on", "is_staff": "on"})
    administrator.refresh_from_db()
    assert not administrator.is_superuser


def test_administrator_does_not_see_superusers(client: Client, administrator: User) -> None:
    root = User.objects.create_superuser(username="root", password="x" * 20)
    client.force_login(administrator)

    response = client.get(reverse("admin:auth_user_change", args=[root.pk]))

    assert response.status_code == 302  # "doesn't exist" → back to the list


def test_clinician_has_no_admin(client: Client) -> None:
    clinician = user_create(username="doc", password="correct-horse-battery", role=Role.CLINICIAN)
    client.force_login(clinician)

    response = client.get("/admin/")

    assert response.status_code == 302
