from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.apps.registry import Apps
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "spinecare.web.accounts"
    label = "accounts"
    verbose_name = "Accounts and roles"

    def ready(self) -> None:
        post_migrate.connect(
            _ensure_roles_after_migrate,
            sender=self,
            dispatch_uid="spinecare.web.accounts.ensure_roles",
        )


def _ensure_roles_after_migrate(*, using: str, apps: Apps | None = None, **kwargs: Any) -> None:
    """Create or refresh the role groups once this app's permissions exist.

    ``post_migrate`` for this app runs after ``django.contrib.auth`` created the permissions
    (auth's receiver is connected first), so every permission a role needs is there. ``flush``
    (run between transactional tests, e.g. with ``live_server``) sends it without ``apps``.
    """
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    try:  # skip when migrating backwards left the tables out
        apps.get_model("auth", "Group")
        apps.get_model("accounts", "AccessPolicy")
    except LookupError:
        return
    from spinecare.web.accounts.services import roles_ensure

    roles_ensure(using=using)
