from __future__ import annotations

from typing import Any

from django import forms

from spinecare.core.errors import KnowledgeBaseError
from spinecare.web.kb import get_kb


class KBProfileForm(forms.Form):
    """The knowledge base page's filter: all rules, or the rules in force in one profile."""

    profile = forms.ChoiceField(label="Guideline profile", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "All profiles (every rule)")]
        try:
            kb = get_kb()
        except KnowledgeBaseError:
            kb = None
        if kb is not None:
            choices += [
                (p.id, f"{p.title} (rules in force)")
                for p in sorted(kb.profiles.values(), key=lambda p: p.id)
            ]
        field = self.fields["profile"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices
