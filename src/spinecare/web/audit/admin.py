from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from spinecare.web.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only: the audit trail is never edited."""

    list_display = ("at", "username", "action", "object_type", "object_id", "patient_id")
    list_filter = ("action", "object_type")
    search_fields = ("username", "object_id")
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False
