"""Writing audit events. Called inside the service that does the audited work."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser, User

from spinecare.web.audit.models import Action, AuditEvent


def audit_record(
    *,
    user: AbstractBaseUser | AnonymousUser | None,
    action: Action | str,
    object_type: str,
    object_id: object = "",
    patient: Any = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event. ``detail`` must hold ids and field names only."""
    real_user = user if isinstance(user, User) and user.is_authenticated else None
    return AuditEvent.objects.create(
        user=real_user,
        username=real_user.get_username() if real_user is not None else "",
        patient=patient,
        action=str(action),
        object_type=object_type,
        object_id=str(object_id),
        detail=detail or {},
    )
