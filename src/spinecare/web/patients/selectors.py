"""Reads for patients."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet

from spinecare.web.patients.models import Patient


def patient_visible_to(*, user: User) -> QuerySet[Patient]:
    """Patients a user may see: all for clinicians and front desk; assigned ones for physios."""
    qs = Patient.objects.all()
    if user.has_perm("accounts.edit_clinical") or user.has_perm("accounts.manage_demographics"):
        return qs
    if user.has_perm("accounts.manage_rehabilitation"):
        return qs.filter(physiotherapist=user)
    return qs.none()


def patient_search(*, user: User, query: str = "", limit: int = 50) -> QuerySet[Patient]:
    """Search by name (any part), MRN (exact or prefix) or date of birth (YYYY-MM-DD)."""
    qs = patient_visible_to(user=user)
    query = query.strip()
    if not query:
        return qs.order_by("-updated_at")[:limit]
    try:
        dob = dt.date.fromisoformat(query)
    except ValueError:
        dob = None
    if dob is not None:
        return qs.filter(date_of_birth=dob)[:limit]
    cond = Q(mrn__istartswith=query)
    for term in query.replace(",", " ").split():
        cond |= Q(given_name__icontains=term) | Q(family_name__icontains=term)
    terms = query.replace(",", " ").split()
    if len(terms) > 1:  # "jane smith" must match both words
        both = Q()
        for term in terms:
            both &= Q(given_name__icontains=term) | Q(family_name__icontains=term)
        cond = Q(mrn__istartswith=query) | both
    return qs.filter(cond)[:limit]


def patient_find_duplicates(
    *, given_name: str, family_name: str, date_of_birth: dt.date, exclude_id: int | None = None
) -> QuerySet[Patient]:
    """Possible duplicates: same date of birth and the same family name (case-insensitive)."""
    qs = Patient.objects.filter(
        date_of_birth=date_of_birth, family_name__iexact=family_name.strip()
    )
    if exclude_id is not None:
        qs = qs.exclude(id=exclude_id)
    return qs
