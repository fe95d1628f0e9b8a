"""Asking to hear about protests near a place."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from allout.antibot import AntiBotMixin
from allout.risk import is_high_risk
from events.finder import places
from events.services.alerts import DEFAULT_RADIUS_KM, RADIUS_CHOICES_KM


class AlertForm(AntiBotMixin, forms.Form):
    antibot_scope = "alert"

    place = forms.CharField(
        label=gettext_lazy("Town or city"),
        max_length=120,
        help_text=gettext_lazy("For example: Porto Alegre, or Paris, France."),
    )
    radius_km = forms.TypedChoiceField(
        label=gettext_lazy("Within"),
        coerce=int,
        choices=[(km, km) for km in RADIUS_CHOICES_KM],  # labelled in __init__, translated
        initial=DEFAULT_RADIUS_KM,
    )
    first_name = forms.CharField(
        label=gettext_lazy("First name"),
        max_length=80,
        help_text=gettext_lazy("A nickname is fine."),
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    email = forms.EmailField(
        label=gettext_lazy("Email"),
        help_text=gettext_lazy("We send a link to confirm. Never shown to anyone."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("auto_id", "alert_%s")  # unique ids beside the page's other forms
        super().__init__(*args, **kwargs)
        # The finder's words for a distance (events.forms.finder), in the page's language.
        radius = self.fields["radius_km"]
        assert isinstance(radius, forms.TypedChoiceField)
        radius.choices = [(km, _("%(km)s km") % {"km": km}) for km in RADIUS_CHOICES_KM]

    def clean_place(self) -> places.Place:
        """The one town the text names (the finder's offline lookup), never a high-risk one."""
        text = self.cleaned_data["place"].strip()
        lookup = places.look_up(text)
        found = [p for p in [lookup.place, *lookup.others] if p and p.kind == "city"]
        if lookup.place is not None and lookup.place.kind == "city":
            found = [lookup.place]
        if not found:
            raise forms.ValidationError(
                _("We don't know a town called “%(text)s”. Check the spelling.") % {"text": text}
            )
        if len(found) > 1:
            raise forms.ValidationError(
                _("Several towns match: %(labels)s. Type the one you mean as it is written here.")
                % {"labels": "; ".join(place.label for place in found)}
            )
        place = found[0]
        if is_high_risk(place.country):
            # Storing who wants protests there would endanger them, and none will be listed.
            raise forms.ValidationError(
                _(
                    "We list no public protests in this country, for everyone's safety, so we "
                    "cannot alert you there. You can still sign the petition and support a "
                    "protest abroad."
                )
            )
        return place
