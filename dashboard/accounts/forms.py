from __future__ import annotations

from django import forms


class AccountForm(forms.Form):
    full_name = forms.CharField(
        label="Your name",
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
