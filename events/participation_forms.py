"""Forms for taking part: signing up, contacting the organizer, the organizer's tools."""

from __future__ import annotations

from django import forms
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _

from events import participation
from events.models import Attendance, Event, OrganizerMessage

PHOTO_MAX_BYTES = 15 * 1024 * 1024


class RSVPForm(forms.ModelForm):
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


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=80)
    email = forms.EmailField(
        label=_("Your email"),
        help_text=_("The organizer sees it if they reply. They choose whether to."),
    )
    message = forms.CharField(label=_("Message"), max_length=3000, widget=forms.Textarea)


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


class ReportForm(forms.ModelForm):
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
            return participation.clean_photo(upload)
        except participation.PhotoError as exc:
            raise forms.ValidationError(str(exc)) from exc
