"""The audit page's filters (a GET form: the URL is the state)."""

from __future__ import annotations

from typing import Any

from django import forms

from .models import Outcome
from .selectors import FilterChoices

ANY = [("", "Any")]


def _options(values: list[str]) -> list[tuple[str, str]]:
    return ANY + [(value, value) for value in values]


class AuditFilterForm(forms.Form):
    user = forms.ChoiceField(label="Who", required=False)
    connection = forms.ChoiceField(required=False)
    resource = forms.ChoiceField(required=False)
    action = forms.ChoiceField(required=False)
    outcome = forms.ChoiceField(choices=ANY + Outcome.choices, required=False)
    since = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, data: Any, *, choices: FilterChoices) -> None:
        super().__init__(data)
        self.fields["user"].choices = _options(choices.users)
        self.fields["connection"].choices = _options(choices.connections)
        self.fields["resource"].choices = _options(choices.resources)
        self.fields["action"].choices = _options(choices.actions)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", "Must not be before the start date.")
        return cleaned
