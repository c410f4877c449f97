from __future__ import annotations

from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "spinecare.web.patients"
    label = "patients"
    verbose_name = "Patients"
