"""Reading the audit trail."""

from __future__ import annotations

from django.db.models import QuerySet

from spinecare.web.audit.models import AuditEvent


def audit_list_for_patient(*, patient_id: int, limit: int = 200) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(patient_id=patient_id).select_related("user")[:limit]
