from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest

if TYPE_CHECKING:
    _UserAdmin = UserAdmin[User]
else:  # UserAdmin is generic only in django-stubs
    _UserAdmin = UserAdmin

admin.site.unregister(User)


@admin.register(User)
class SpineCareUserAdmin(_UserAdmin):
    """Django's user admin, minus the ways an administrator could make themselves a superuser.

    ``auth.change_user`` alone would let an administrator tick ``is_superuser`` or grant any
    permission directly. Only superusers see or change superusers and per-user permissions;
    everybody else's access comes from their role (group).
    """

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = tuple(super().get_readonly_fields(request, obj))
        if request.user.is_superuser:
            return fields
        return (*fields, "is_superuser", "user_permissions")

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        users = super().get_queryset(request)
        return users if request.user.is_superuser else users.filter(is_superuser=False)
