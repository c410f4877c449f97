"""Writes for accounts and roles. Keyword-only ``<entity>_<action>`` functions."""

from __future__ import annotations

import logging

from django.contrib.auth.models import Group, Permission, User
from django.contrib.auth.password_validation import validate_password
from django.db import DEFAULT_DB_ALIAS, transaction

from spinecare.core.errors import UserError
from spinecare.web.accounts.roles import ROLE_PERMISSIONS, STAFF_ROLES, Role

logger = logging.getLogger(__name__)


def roles_ensure(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """Create every role group and give it exactly its permissions. Idempotent.

    A permission granted to a role group by hand is taken away again: the roles are code.
    """
    with transaction.atomic(using=using):
        for role, wanted in ROLE_PERMISSIONS.items():
            group, _ = Group.objects.using(using).get_or_create(name=role.value)
            permissions = _permissions(wanted, using=using)
            group.permissions.set(permissions)


def _permissions(names: frozenset[str], *, using: str) -> list[Permission]:
    found = []
    for name in sorted(names):
        app_label, codename = name.split(".", 1)
        try:
            found.append(
                Permission.objects.using(using).get(
                    content_type__app_label=app_label, codename=codename
                )
            )
        except Permission.DoesNotExist:
            raise RuntimeError(
                f"permission {name} does not exist; run `manage.py migrate`"
            ) from None
    return found


def user_create(
    *,
    username: str,
    password: str,
    role: Role | str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> User:
    """Create an active staff member in one role. The password must pass the validators.

    Raises ``UserError`` for an unknown role and ``django.core.exceptions.ValidationError``
    for a taken or malformed username or a weak password.
    """
    try:
        role = Role(role)
    except ValueError:
        known = ", ".join(Role.values)
        raise UserError(f"unknown role {role!r}; known: {known}", field="role") from None
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=User.objects.normalize_email(email),
        is_staff=role in STAFF_ROLES,
    )
    validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    with transaction.atomic():
        user.save()
        user.groups.add(Group.objects.get(name=role.value))
    logger.info("user created: id=%s role=%s", user.pk, role.value)
    return user
