"""The organizer's tools: a message to participants, cancelling, the outcome after the day."""

from __future__ import annotations

from django import forms
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _

from events.errors import UnreadablePhoto
from events.models import Event, OrganizerMessage
from events.services.organizer import clean_photo

PHOTO_MAX_BYTES = 15 * 1024 * 1024


class OrganizerMessageForm(forms.ModelForm):
    class Meta:
        model = OrganizerMessage
        fields = ["subject", "body"]
        labels = {"subject": _("Subject"), "body": _("Message")}
        help_texts = {
            "body": _("Sent to every confirmed participant. They cannot see each other."),
        }


class CancelEventForm(forms.Form):
    note = forms.CharField(
        label=_("A note to participants (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "For example: why, or where else to go. Everyone who signed up gets it, and the "
            "event's public page shows it."
        ),
    )


class OutcomeForm(forms.ModelForm):
    """The organizer's outcome after the day: how many came, a sentence, maybe a photo."""

    photo = forms.ImageField(
        label=_("A photo (optional)"),
        required=False,
        help_text=_(
            "We shrink it and remove hidden data such as its location. Only share photos "
            "where nobody can be recognised without their consent."
        ),
    )
    remove_photo = forms.BooleanField(label=_("Remove the current photo"), required=False)

    class Meta:
        model = Event
        fields = ["turnout", "report_text"]
        labels = {"turnout": _("How many came"), "report_text": _("How it went, in a sentence")}
        widgets = {"report_text": forms.Textarea(attrs={"rows": 3, "maxlength": 500})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["turnout"].required = True
        if not (self.instance and self.instance.report_photo):
            del self.fields["remove_photo"]

    def clean_photo(self) -> ContentFile | None:
        upload = self.cleaned_data.get("photo")
        if not upload:
            return None
        if upload.size > PHOTO_MAX_BYTES:
            raise forms.ValidationError(_("This photo is too large (15 MB at most)."))
        try:
            return clean_photo(upload)
        except UnreadablePhoto as exc:
            raise forms.ValidationError(str(exc)) from exc


class InviteCoHostForm(forms.Form):
    email = forms.EmailField(
        label=_("Their email address"),
        help_text=_(
            "They need an account on this site with this address verified. A co-host sees "
            "the participant list and can message participants: invite only people you trust."
        ),
    )
