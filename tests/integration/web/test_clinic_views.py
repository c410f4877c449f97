"""Signing in and out, and the home page."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from pytest_django import Settings
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from spinecare.web.kb import get_kb

pytestmark = pytest.mark.django_db


def test_login_page_renders(client: Client) -> None:
    """The sign-in page has labelled fields, a skip link and the KB version in the footer."""
    response = client.get(reverse("clinic:login"))

    assertContains(response, "<h1>Sign in</h1>", html=True)
    assertContains(response, '<label for="id_username">')
    assertContains(response, '<label for="id_password">')
    assertContains(response, 'href="#main"')
    assertContains(response, get_kb().label)
    assertNotContains(response, "Sign out")


def test_login_wrong_password_shows_error(client: Client, clinician: User) -> None:
    """A wrong password re-shows the form with an announced error and signs nobody in."""
    response = client.post(
        reverse("clinic:login"), {"username": "dr-who", "password": "not-the-password"}
    )

    assert response.status_code == 200
    assertContains(response, 'role="alert"')
    assertContains(response, "Please enter a correct username and password")
    assert "_auth_user_id" not in client.session


def test_demo_login_reaches_home_with_kb_version(client: Client, demo_users: None) -> None:
    """The demo clinician signs in and lands on a home page that names the KB in use."""
    kb = get_kb()

    response = client.post(
        reverse("clinic:login"), {"username": "demo", "password": "spinecare-demo"}, follow=True
    )

    assertRedirects(response, reverse("clinic:home"))
    assertContains(response, "Hello, Dana")
    assertContains(response, "<strong>Clinician</strong>", html=True)
    assertContains(response, f"KB {kb.version}")
    assertContains(response, f"released {kb.release_date}")
    assertContains(response, kb.short_hash)
    assertContains(response, f"<dt>Rules</dt><dd>{len(kb.rules)}</dd>", html=True)
    assertContains(response, f"({kb.default_profile})")


def test_home_anonymous_redirects_to_login(client: Client) -> None:
    response = client.get(reverse("clinic:home"))

    assertRedirects(response, f"{reverse('clinic:login')}?next=/")


def test_logout_by_post(client: Client, clinician: User) -> None:
    """Signing out is a POST; afterwards the home page asks to sign in again."""
    client.force_login(clinician)

    response = client.post(reverse("clinic:logout"))

    assertRedirects(response, reverse("clinic:login"))
    assertRedirects(client.get(reverse("clinic:home")), f"{reverse('clinic:login')}?next=/")


def test_logout_by_get_is_refused(client: Client, clinician: User) -> None:
    """A link or a prefetch cannot sign anybody out."""
    client.force_login(clinician)

    response = client.get(reverse("clinic:logout"))

    assert response.status_code == 405
    assert client.get(reverse("clinic:home")).status_code == 200


def test_home_shows_user_without_role(client: Client) -> None:
    user = User.objects.create_user(username="nobody", password="x" * 20)
    client.force_login(user)

    response = client.get(reverse("clinic:home"))

    assertContains(response, "no role")


def test_home_with_broken_kb_says_so(
    client: Client, clinician: User, settings: Settings, broken_kb: tuple[Path, str]
) -> None:
    """An invalid KB is reported on the page, never shown as if it were in use."""
    settings.SPINECARE_KB_PATH = broken_kb[0]
    client.force_login(clinician)

    response = client.get(reverse("clinic:home"))

    assertContains(response, "The knowledge base does not validate")
    assertContains(response, "not loaded: it does not validate")
