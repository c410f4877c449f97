"""Reads for accounts and roles. Keyword-only ``<entity>_<action>`` functions."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser, Group, User
from django.db.models import QuerySet

from spinecare.web.accounts.roles import Role


def user_get_role(*, user: AbstractBaseUser | AnonymousUser) -> Role | None:
    """The user's role (the first in ``Role`` order if they hold several), or None."""
    if not user.is_authenticated or not isinstance(user, User):
        return None
    held = set(user.groups.values_list("name", flat=True))
    return next((role for role in Role if role.value in held), None)


def user_get_by_username(*, username: str) -> User | None:
    return User.objects.filter(username=username).first()


def role_get_permissions(*, role: Role) -> set[str]:
    """``app_label.codename`` of every permission the role's group holds in the database."""
    group = Group.objects.filter(name=role.value).first()
    if group is None:
        return set()
    return {
        f"{app_label}.{codename}"
        for app_label, codename in group.permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def user_list_in_role(*, role: Role) -> QuerySet[User]:
    """Active users who hold ``role``, by name."""
    return User.objects.filter(is_active=True, groups__name=role.value).order_by(
        "last_name", "first_name", "username"
    )
