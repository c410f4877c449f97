"""Template filters for patient pages: ``{% load patient_tags %}``."""

from __future__ import annotations

from django import template
from django.utils import timezone

from spinecare.web.clinic.kb_render import words
from spinecare.web.patients.models import Patient

register = template.Library()


@register.filter
def age(patient: Patient) -> int:
    """The patient's age in whole years today."""
    return patient.age_on(timezone.localdate())


@register.filter
def urgency_label(urgency: str) -> str:
    """``emergency`` → ``Emergency``; ``expert-opinion`` → ``Expert opinion``."""
    return words(urgency) if urgency else ""
