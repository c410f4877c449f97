from __future__ import annotations

from django.db import models


class AccessPolicy(models.Model):
    """Holds no rows: it exists to own SpineCare's app-level permissions.

    Roles (``roles.py``) are Django groups granted these permissions. Clinical models, when they
    arrive, are checked against these permissions rather than per-model add/change/delete ones.
    """

    class Meta:
        managed = True
        default_permissions = ()
        permissions = [
            ("view_clinical", "Can view clinical records"),
            ("edit_clinical", "Can write evaluations and plans"),
            ("sign_plan", "Can sign treatment plans"),
            ("manage_rehabilitation", "Can manage rehabilitation programmes"),
            ("manage_demographics", "Can manage demographics and scheduling"),
            ("manage_users", "Can manage users"),
        ]

    def __str__(self) -> str:
        return "SpineCare access policy"
