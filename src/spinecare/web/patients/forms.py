"""Forms for patient demographics and patient search. They validate; services write."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.utils import timezone

from spinecare.web.accounts.roles import Role
from spinecare.web.accounts.selectors import user_list_in_role
from spinecare.web.patients.models import Patient, Sex
from spinecare.web.patients.selectors import patient_mrn_taken

EARLIEST_BIRTH_DATE = dt.date(1900, 1, 1)
_UK_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


class PhysiotherapistChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        name = obj.get_full_name()
        return f"{name} ({obj.username})" if name else obj.username


class PatientForm(forms.Form):
    """Demographics, in the order they are asked at the front desk."""

    given_name = forms.CharField(
        label="Given name",
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    family_name = forms.CharField(
        label="Family name",
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    date_of_birth = forms.DateField(
        label="Date of birth",
        help_text="Day/month/year, for example 27/03/1968.",
        input_formats=["%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%Y-%m-%d"],
        # Typed, not a date picker: quicker for a date of birth, the same in every browser.
        widget=forms.DateInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"},
            format="%d/%m/%Y",
        ),
    )
    sex = forms.ChoiceField(
        label="Sex",
        help_text="As recorded for clinical purposes.",
        choices=[("", "Choose…"), *Sex.choices],
    )
    mrn = forms.CharField(
        label="MRN",
        max_length=32,
        help_text="Medical record number, unique to this patient.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    phone = forms.CharField(
        label="Phone (optional)",
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    email = forms.EmailField(
        label="Email (optional)",
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    address = forms.CharField(
        label="Address (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
    )
    physiotherapist = PhysiotherapistChoiceField(
        label="Assigned physiotherapist (optional)",
        help_text="Physiotherapists see only the patients assigned to them.",
        queryset=User.objects.none(),
        required=False,
        empty_label="Not assigned",
    )

    def __init__(self, *args: Any, patient_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.patient_id = patient_id
        physios = user_list_in_role(role=Role.PHYSIOTHERAPIST)
        field = self.fields["physiotherapist"]
        assert isinstance(field, PhysiotherapistChoiceField)
        field.queryset = physios

    @classmethod
    def initial_for(cls, patient: Patient) -> dict[str, Any]:
        return {
            "given_name": patient.given_name,
            "family_name": patient.family_name,
            "date_of_birth": patient.date_of_birth,
            "sex": patient.sex,
            "mrn": patient.mrn,
            "phone": patient.phone,
            "email": patient.email,
            "address": patient.address,
            "physiotherapist": patient.physiotherapist_id,
        }

    def clean_given_name(self) -> str:
        return " ".join(str(self.cleaned_data["given_name"]).split())

    def clean_family_name(self) -> str:
        return " ".join(str(self.cleaned_data["family_name"]).split())

    def clean_date_of_birth(self) -> dt.date:
        dob: dt.date = self.cleaned_data["date_of_birth"]
        if dob > timezone.localdate():
            raise forms.ValidationError("Date of birth must be today or in the past.")
        if dob < EARLIEST_BIRTH_DATE:
            raise forms.ValidationError("Date of birth must be after 1 January 1900.")
        return dob

    def clean_mrn(self) -> str:
        mrn = str(self.cleaned_data["mrn"]).strip()
        if patient_mrn_taken(mrn=mrn, exclude_id=self.patient_id):
            raise forms.ValidationError(
                "Another patient already has this MRN. Check the number, or search for the patient."
            )
        return mrn

    def clean_address(self) -> str:
        return str(self.cleaned_data["address"]).strip()


class PatientSearchForm(forms.Form):
    q = forms.CharField(
        label="Name, date of birth or MRN",
        help_text="For example: Smith, Jane Smith, 27/03/1968 or DEMO-0001.",
        max_length=100,
        required=False,
        widget=forms.TextInput(
            attrs={"type": "search", "autocomplete": "off", "spellcheck": "false"}
        ),
    )

    def query(self) -> str:
        """The query for ``patient_search``: a day-first date becomes ISO (YYYY-MM-DD)."""
        text = " ".join(str(self.cleaned_data.get("q") or "").split())
        match = _UK_DATE.match(text)
        if match:
            day, month, year = (int(g) for g in match.groups())
            try:
                return dt.date(year, month, day).isoformat()
            except ValueError:
                return text
        return text
