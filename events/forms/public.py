"""What the public sends about an event: an abuse report, a message to the organizer."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from allout.antibot import AntiBotMixin
from events.models import EventReport


class AbuseReportForm(AntiBotMixin, forms.ModelForm):
    """'Report this event': a reason and a few words. Nothing about the reporter is kept."""

    antibot_scope = "event-report"

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    class Meta:
        model = EventReport
        fields = ["reason", "text"]
        labels = {
            "reason": _("What is wrong?"),
            "text": _("Details (optional)"),
        }
        widgets = {"reason": forms.RadioSelect, "text": forms.Textarea(attrs={"rows": 3})}


class ContactForm(AntiBotMixin, forms.Form):
    antibot_scope = "contact"

    name = forms.CharField(label=_("Your name"), max_length=80)
    email = forms.EmailField(
        label=_("Your email"),
        help_text=_("The organizer sees it if they reply. They choose whether to."),
    )
    message = forms.CharField(label=_("Message"), max_length=3000, widget=forms.Textarea)
