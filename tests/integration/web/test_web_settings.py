"""Settings from the environment, loaded fresh in a subprocess for each case."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow_test

PRODUCTION_ENV = {
    "SPINECARE_ENV": "production",
    "SPINECARE_SECRET_KEY": "test-only-" + "k3y-" * 15,  # long and varied, as check --deploy wants
    "SPINECARE_ALLOWED_HOSTS": "spinecare.example.org",
    "DATABASE_URL": "postgres://spinecare@db.example.org:5432/spinecare",
}


def _run(code: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter with only ``env`` as SpineCare configuration."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SPINECARE_") and k not in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    clean["DJANGO_SETTINGS_MODULE"] = "spinecare.web.settings"
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


_DEPLOY_CHECK = (
    "import django; django.setup(); from django.core.management import call_command; "
    "call_command('check', '--deploy', '--fail-level', 'WARNING')"
)
_SETUP = "import django; django.setup()"


def test_check_deploy_clean_with_production_settings(tmp_path: Path) -> None:
    """`check --deploy` finds nothing, not even a warning, with production settings."""
    result = _run(_DEPLOY_CHECK, {**PRODUCTION_ENV, "SPINECARE_DATA_DIR": str(tmp_path)}, tmp_path)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_warns_without_ssl_redirect(tmp_path: Path) -> None:
    """The test above would notice a setting going missing: turning one off is reported."""
    env = {
        **PRODUCTION_ENV,
        "SPINECARE_DATA_DIR": str(tmp_path),
        "SPINECARE_SECURE_SSL_REDIRECT": "false",
    }

    result = _run(_DEPLOY_CHECK, env, tmp_path)

    assert result.returncode != 0
    assert "security.W008" in result.stderr


@pytest.mark.parametrize(
    "missing", ["SPINECARE_SECRET_KEY", "SPINECARE_ALLOWED_HOSTS", "DATABASE_URL"]
)
def test_production_fails_fast_without_required_variable(tmp_path: Path, missing: str) -> None:
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}

    result = _run(_SETUP, {**env, "SPINECARE_DATA_DIR": str(tmp_path)}, tmp_path)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"The environment variable {missing} is required but not set." in result.stderr


def test_unknown_environment_fails_fast(tmp_path: Path) -> None:
    result = _run(_SETUP, {"SPINECARE_ENV": "staging"}, tmp_path)

    assert result.returncode != 0
    assert "SPINECARE_ENV='staging'" in result.stderr


def test_development_defaults(tmp_path: Path) -> None:
    """Development: ./var is created, SQLite lives there, the secret key is per install (0600)."""
    code = (
        f"{_SETUP}; from django.conf import settings as s; "
        "print(s.DEBUG, s.DATABASES['default']['NAME'], s.SECRET_KEY, s.TIME_ZONE, sep='\\n')"
    )

    first = _run(code, {}, tmp_path)
    second = _run(code, {}, tmp_path)

    assert first.returncode == 0, first.stderr
    debug, db_name, key, time_zone = first.stdout.split()
    key_file = tmp_path / "var" / "secret_key"
    assert debug == "True"
    assert db_name == str(tmp_path.resolve() / "var" / "spinecare.sqlite3")
    assert key == key_file.read_text().strip()
    assert len(key) >= 50
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert time_zone == "UTC"
    assert second.stdout.split()[2] == key  # the same key on the next start


def test_database_url_switches_database(tmp_path: Path) -> None:
    code = f"{_SETUP}; from django.conf import settings as s; print(s.DATABASES['default'])"
    env = {
        "DATABASE_URL": "postgres://someone@db.invalid:5432/spinecare",
        "SPINECARE_DATA_DIR": "d",
    }

    result = _run(code, env, tmp_path)

    assert result.returncode == 0, result.stderr
    assert "'ENGINE': 'django.db.backends.postgresql'" in result.stdout
    assert "'NAME': 'spinecare'" in result.stdout
    assert (tmp_path / "d").is_dir()
