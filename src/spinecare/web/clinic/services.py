"""Writes for the clinic pages. Keyword-only ``<entity>_<action>`` functions."""

from __future__ import annotations

from django.contrib.auth.models import User

from spinecare.web.audit.models import Action
from spinecare.web.audit.services import audit_record


def worklist_record_view(*, user: User, patient_ids: list[int]) -> None:
    """Audit that ``user`` saw the worklist, naming (by id) every patient it showed."""
    audit_record(
        user=user,
        action=Action.VIEW,
        object_type="worklist",
        detail={"patients": patient_ids},
    )
