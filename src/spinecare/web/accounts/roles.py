"""The staff roles and exactly which permissions each one has."""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    """A role is a Django group of the same name. Order: the first held is the one shown."""

    CLINICIAN = "clinician", "Clinician"
    PHYSIOTHERAPIST = "physiotherapist", "Physiotherapist"
    FRONT_DESK = "front_desk", "Front desk"
    ADMINISTRATOR = "administrator", "Administrator"


ROLE_PERMISSIONS: dict[Role, frozenset[str]] = {
    Role.CLINICIAN: frozenset(
        {
            "accounts.view_clinical",
            "accounts.edit_clinical",
            "accounts.sign_plan",
            "accounts.manage_rehabilitation",
            "accounts.manage_demographics",
        }
    ),
    Role.PHYSIOTHERAPIST: frozenset({"accounts.view_clinical", "accounts.manage_rehabilitation"}),
    Role.FRONT_DESK: frozenset({"accounts.manage_demographics"}),
    # Users are deactivated, never deleted (their names stay on what they signed), and groups
    # are defined here in code, so administrators may view groups but not change them.
    Role.ADMINISTRATOR: frozenset(
        {
            "accounts.manage_users",
            "auth.view_user",
            "auth.add_user",
            "auth.change_user",
            "auth.view_group",
        }
    ),
}

# Roles whose members may use the Django admin site (/admin/).
STAFF_ROLES = frozenset({Role.ADMINISTRATOR})
