from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "SpineCare administration"
admin.site.site_title = "SpineCare administration"
admin.site.index_title = "Users and roles"

# One line per app; each app's urls.py sets its namespace (``app_name``).
urlpatterns = [
    path("admin/", admin.site.urls),
    path("patients/", include("spinecare.web.patients.urls")),
    path("evaluations/", include("spinecare.web.evaluations.urls")),
    path("", include("spinecare.web.clinic.urls")),  # home (worklist), sign in/out, /kb/
]
