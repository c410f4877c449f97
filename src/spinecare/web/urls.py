from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "SpineCare administration"
admin.site.site_title = "SpineCare administration"
admin.site.index_title = "Users and roles"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("spinecare.web.clinic.urls")),
]
