from __future__ import annotations

from django.apps import AppConfig


class ClinicConfig(AppConfig):
    name = "spinecare.web.clinic"
    label = "clinic"
    verbose_name = "Clinic"
