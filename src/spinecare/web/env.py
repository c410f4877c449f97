"""Reading configuration from environment variables, failing fast with a hint.

Used by ``settings.py`` only. Every helper raises ``ImproperlyConfigured`` naming the variable,
so a misconfigured deployment stops at start-up instead of running with a guessed value.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import overload

from django.core.exceptions import ImproperlyConfigured

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


class _Required:
    def __repr__(self) -> str:
        return "<required>"


REQUIRED = _Required()


@overload
def get_env_var(name: str, default: str | _Required = REQUIRED, *, hint: str = "") -> str: ...
@overload
def get_env_var(name: str, default: None, *, hint: str = "") -> str | None: ...
def get_env_var(
    name: str, default: str | _Required | None = REQUIRED, *, hint: str = ""
) -> str | None:
    """The value of ``name``; ``default`` when unset or empty; fail fast when required.

    An empty value counts as unset, so ``FOO=`` in an env file does not silently mean "".
    """
    value = os.environ.get(name, "").strip()
    if value:
        return value
    if isinstance(default, _Required):
        message = f"The environment variable {name} is required but not set."
        raise ImproperlyConfigured(f"{message} {hint}".strip())
    return default


def get_env_bool(name: str, default: bool) -> bool:
    """``1/true/yes/on`` or ``0/false/no/off`` (any case); anything else fails fast."""
    value = get_env_var(name, None)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean; use true or false.")


def get_env_int(name: str, default: int, *, minimum: int = 0) -> int:
    value = get_env_var(name, None)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name}={value!r} must be at least {minimum}.")
    return number


def get_env_list(
    name: str, default: list[str] | _Required = REQUIRED, *, hint: str = ""
) -> list[str]:
    """A comma-separated list; blanks around items and empty items are dropped."""
    raw = get_env_var(name, None)
    if raw is None:
        if isinstance(default, _Required):
            return [get_env_var(name, hint=hint)]  # raises: required and unset
        return list(default)
    items = [item.strip() for item in raw.split(",")]
    values = [item for item in items if item]
    if not values:
        raise ImproperlyConfigured(f"{name}={raw!r} lists nothing. {hint}".strip())
    return values


def read_or_create_secret_key(path: Path) -> str:
    """The per-install development secret key kept in ``path`` (created 0600 when absent).

    Never used in production, where ``SPINECARE_SECRET_KEY`` is required.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text(encoding="utf-8").strip()
        if not key:
            raise ImproperlyConfigured(
                f"The secret key file {path} is empty. Delete it and a new key is generated."
            ) from None
        return key
    key = secrets.token_urlsafe(50)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    return key
