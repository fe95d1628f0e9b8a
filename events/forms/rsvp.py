"""Signing up for an event."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from allout.antibot import AntiBotMixin
from events.models import Attendance


class RSVPForm(AntiBotMixin, forms.ModelForm):
    antibot_scope = "rsvp"

    class Meta:
        model = Attendance
        fields = ["first_name", "email", "consent_organizer"]
        labels = {
            "first_name": _("First name"),
            "email": _("Email"),
            "consent_organizer": _("The organizer may contact me about this event"),
        }
        help_texts = {
            "first_name": _("A nickname is fine."),
            "email": _("We send a link to confirm, then reminders. Never shown publicly."),
        }
        widgets = {
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
        }

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("auto_id", "rsvp_%s")  # unique ids beside the page's other forms
        super().__init__(*args, **kwargs)
