"""Roles are groups with exactly the intended permissions; users are created in one role."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError

from spinecare.core.errors import UserError
from spinecare.web.accounts.roles import Role
from spinecare.web.accounts.selectors import role_get_permissions, user_get_role
from spinecare.web.accounts.services import roles_ensure, user_create

pytestmark = pytest.mark.django_db

# Written out again on purpose: a change to roles.py must be a deliberate change here too.
EXPECTED = {
    "clinician": {
        "accounts.view_clinical",
        "accounts.edit_clinical",
        "accounts.sign_plan",
        "accounts.manage_rehabilitation",
        "accounts.manage_demographics",
    },
    "physiotherapist": {"accounts.view_clinical", "accounts.manage_rehabilitation"},
    "front_desk": {"accounts.manage_demographics"},
    "administrator": {
        "accounts.manage_users",
        "auth.view_user",
        "auth.add_user",
        "auth.change_user",
        "auth.view_group",
    },
}


def test_roles_exist_after_migrate_with_exact_permissions() -> None:
    """`migrate` alone creates the four groups (post_migrate), each with exactly its set."""
    assert set(Group.objects.values_list("name", flat=True)) >= set(EXPECTED)
    for role in Role:
        assert role_get_permissions(role=role) == EXPECTED[role.value], role


def test_roles_ensure_is_idempotent_and_resets_changes() -> None:
    clinician = Group.objects.get(name="clinician")
    clinician.permissions.add(Permission.objects.get(codename="manage_users"))
    Group.objects.get(name="front_desk").delete()

    roles_ensure()
    roles_ensure()

    assert Group.objects.filter(name__in=EXPECTED).count() == 4
    for role in Role:
        assert role_get_permissions(role=role) == EXPECTED[role.value], role


@pytest.mark.parametrize(
    ("role", "can_sign", "staff"),
    [
        (Role.CLINICIAN, True, False),
        (Role.PHYSIOTHERAPIST, False, False),
        (Role.FRONT_DESK, False, False),
        (Role.ADMINISTRATOR, False, True),
    ],
)
def test_user_create_in_role(role: Role, can_sign: bool, staff: bool) -> None:
    """The user gets the role's permissions; only administrators may use /admin/."""
    user = user_create(username="someone", password="correct-horse-battery", role=role.value)

    assert user_get_role(user=user) == role
    assert user.has_perm("accounts.sign_plan") is can_sign
    assert user.is_staff is staff
    assert not user.is_superuser
    assert user.check_password("correct-horse-battery")


def test_user_create_unknown_role() -> None:
    with pytest.raises(UserError, match="unknown role 'surgeon'"):
        user_create(username="someone", password="correct-horse-battery", role="surgeon")


def test_user_create_rejects_weak_password() -> None:
    with pytest.raises(ValidationError):
        user_create(username="someone", password="short", role=Role.CLINICIAN)


def test_user_create_rejects_duplicate_username() -> None:
    user_create(username="someone", password="correct-horse-battery", role=Role.CLINICIAN)
    with pytest.raises(ValidationError):
        user_create(username="someone", password="correct-horse-battery", role=Role.FRONT_DESK)
