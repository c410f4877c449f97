"""Evaluations (the clinician's structured findings) and the Assessments computed from them.

An Evaluation is a draft until completed; its ``record`` is an ``EvaluationRecord`` as JSON
and ``form_state`` keeps what was typed into each step, valid or not, so nothing is lost.
A stored Assessment is immutable and pins the KB version, hash and the rules that fired.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class EvaluationStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    COMPLETE = "complete", "Complete"


class Evaluation(models.Model):
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="evaluations"
    )
    evaluation_date = models.DateField()
    status = models.CharField(
        max_length=16, choices=EvaluationStatus.choices, default=EvaluationStatus.DRAFT
    )
    profile = models.CharField(
        max_length=32, blank=True, help_text="Guideline profile; blank = KB default."
    )
    record = models.JSONField(default=dict, blank=True)
    form_state = models.JSONField(default=dict, blank=True)
    current_step = models.CharField(max_length=32, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    revises = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="revisions",
        help_text="The completed evaluation this draft started as a copy of.",
    )

    class Meta:
        ordering = ["-evaluation_date", "-id"]

    def __str__(self) -> str:
        return f"Evaluation {self.pk} of patient {self.patient_id} on {self.evaluation_date}"


class Assessment(models.Model):
    evaluation = models.ForeignKey(Evaluation, on_delete=models.PROTECT, related_name="assessments")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="assessments"
    )
    as_of = models.DateField()
    profile = models.CharField(max_length=32)
    kb_version = models.CharField(max_length=32)
    kb_hash = models.CharField(max_length=80)
    rules_fired = models.JSONField(
        default=list, help_text="rule_id@version of every rule that fired."
    )
    highest_urgency = models.CharField(max_length=16, blank=True, db_index=True)
    red_flags = models.JSONField(default=list, help_text="Ids of the red flags raised.")
    result = models.JSONField(help_text="The whole Assessment as JSON.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    red_flags_acknowledged_at = models.DateTimeField(null=True, blank=True)
    red_flags_acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Who acknowledged the red flags (and so took responsibility for acting on them).",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["patient", "-created_at"])]

    def __str__(self) -> str:
        return f"Assessment {self.pk} ({self.kb_version})"
