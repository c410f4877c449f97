"""Browser tests: Playwright (sync API) driving Debian's Chromium against pytest-django's
``live_server``. They skip, with the reason, when ``/usr/bin/chromium`` is not installed.

Each test leaves a full-page screenshot in ``test-artifacts/<test name>.png`` (gitignored),
taken when it ends, also when it fails.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User

from spinecare.web.accounts.roles import Role
from spinecare.web.accounts.services import user_create
from webfactories import PASSWORD

# Playwright's sync API keeps an asyncio event loop running in this thread while it is started,
# and Django refuses ORM calls (the tests create users and patients) under a running loop unless
# DJANGO_ALLOW_ASYNC_UNSAFE is set. The ``browser`` fixture sets it, and starts Playwright, only
# for the browser tests' module, and stops both afterwards: the other tests in the same run
# neither see a running loop nor the flag.
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = previous


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    yield tab
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.fixture
def clinician(transactional_db: None) -> User:
    return user_create(
        username="dr-browser",
        password=PASSWORD,
        role=Role.CLINICIAN,
        first_name="Bea",
        last_name="Browser",
    )


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
