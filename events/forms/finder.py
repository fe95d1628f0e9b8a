"""What the finder was asked: the place (typed, or a point), the filters, their validation.

Place names are resolved offline (events.finder.places): nothing a member types leaves the
server.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from allout import dates
from allout.models import Campaign
from events.models import Event

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

ALL_DAYS = "all"
MAX_RADIUS_KM = 500
PLACE_MAX_LENGTH = 200
RADIUS_STEPS_KM = (10, 25, 50, 100, 250, 500)


class DayField(forms.Field):
    """A day (YYYY-MM-DD) or "all"; empty means the campaign's day."""

    widget = forms.Select
    default_error_messages = {
        "invalid": _("Choose a day as YYYY-MM-DD, or “all” for every upcoming event."),
    }

    def to_python(self, value: str | None) -> datetime.date | str | None:
        value = (value or "").strip()
        if not value:
            return None
        if value == ALL_DAYS:
            return ALL_DAYS
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class FinderForm(forms.Form):
    """The /events/ page's GET parameters: q, lat, lng, radius, date, kind (SPEC)."""

    q = forms.CharField(
        label=_("Town, city or country"),
        required=False,
        max_length=PLACE_MAX_LENGTH,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    date = DayField(label=_("When"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Any kind")), *Event.Kind.choices]
    )
    radius = forms.IntegerField(
        label=_("Within"), required=False, min_value=1, max_value=MAX_RADIUS_KM, widget=forms.Select
    )
    # Set by "use my location" and by links to a point; never typed.
    lat = forms.FloatField(
        label=_("Latitude"), required=False, min_value=-90, max_value=90, widget=forms.HiddenInput
    )
    lng = forms.FloatField(
        label=_("Longitude"),
        required=False,
        min_value=-180,
        max_value=180,
        widget=forms.HiddenInput,
    )

    def __init__(self, *args, campaign: Campaign | None = None, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        day_choices: list[tuple[str, StrOrPromise]] = [(ALL_DAYS, _("All upcoming events"))]
        if campaign is not None and not campaign.is_over():
            label = _("On the day: %(day)s") % {"day": dates.day(campaign.date)}
            day_choices.insert(0, (campaign.date.isoformat(), label))
        # A link to another day ("?date=2027-03-17") shows that day rather than a wrong one.
        asked = self.data.get("date", "")
        if asked not in dict(day_choices):
            try:
                day = datetime.date.fromisoformat(asked)
            except ValueError:
                pass
            else:
                day_choices.insert(0, (asked, dates.day(day)))
        self.fields["date"].widget.choices = day_choices
        self.fields["radius"].widget.choices = [
            ("", _("Any distance")),
            *((km, _("%(km)s km") % {"km": km}) for km in RADIUS_STEPS_KM),
        ]

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        if (data.get("lat") is None) != (data.get("lng") is None) and not self.errors:
            raise ValidationError(
                _("A point needs both a latitude and a longitude."), code="half_point"
            )
        return data

    def default_day(self) -> datetime.date | None:
        """The campaign's day while it is still to come, else None (every upcoming event)."""
        if self.campaign is None or self.campaign.is_over():
            return None
        return self.campaign.date


def _errors(message: StrOrPromise) -> dict[str, StrOrPromise]:
    """One message for every way a parameter can be wrong: it says what is expected."""
    return dict.fromkeys(("required", "invalid", "min_value", "max_value"), message)


class NearbyForm(forms.Form):
    """/events/nearby.json's parameters; each error names its parameter in the 400 answer."""

    DEFAULT_RADIUS_KM = 50
    DEFAULT_LIMIT = 20
    MAX_LIMIT = 100  # the messages below repeat these limits

    lat = forms.FloatField(
        min_value=-90,
        max_value=90,
        error_messages=_errors(_("lat must be a number from -90 to 90.")),
    )
    lng = forms.FloatField(
        min_value=-180,
        max_value=180,
        error_messages=_errors(_("lng must be a number from -180 to 180.")),
    )
    radius = forms.FloatField(
        required=False,
        max_value=MAX_RADIUS_KM,
        error_messages=_errors(_("radius must be a number of kilometres above 0, at most 500.")),
    )
    limit = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_LIMIT,
        error_messages=_errors(_("limit must be a whole number from 1 to 100.")),
    )

    def clean_radius(self) -> float:
        radius = self.cleaned_data["radius"]
        if radius is None:
            return self.DEFAULT_RADIUS_KM
        if radius <= 0:
            raise ValidationError(
                self.fields["radius"].error_messages["min_value"], code="min_value"
            )
        return radius

    def clean_limit(self) -> int:
        limit = self.cleaned_data["limit"]
        return self.DEFAULT_LIMIT if limit is None else limit

    def first_error(self) -> tuple[str, str]:
        """(parameter, message) of the first invalid parameter, in declaration order."""
        name = next(name for name in self.fields if name in self.errors)
        return name, str(self.errors[name][0])


class PartnerFilterForm(forms.Form):
    """What a partner's calendar feed or embedded map shows: `country` (an ISO 3166 code) and
    `campaign` (a campaign's slug), each optional. A wrong one is refused, not ignored: a feed
    of the whole world under a partner's German banner would mislead its readers."""

    country = forms.CharField(required=False, max_length=10)
    campaign = forms.CharField(required=False, max_length=100)

    def clean_country(self) -> str:
        code = self.cleaned_data["country"].strip().upper()
        if code and code not in countries:
            raise ValidationError(
                _("country must be a two-letter ISO 3166 country code, such as DE."),
                code="invalid",
            )
        return code

    def clean_campaign(self) -> Campaign | None:
        slug = self.cleaned_data["campaign"].strip()
        if not slug:
            return None
        campaign = Campaign.objects.filter(slug=slug).first()
        if campaign is None:
            raise ValidationError(
                _("campaign must be the short name (slug) of a campaign on this site."),
                code="invalid",
            )
        return campaign

    def first_error(self) -> str:
        """The message of the first invalid parameter, in declaration order."""
        name = next(name for name in self.fields if name in self.errors)
        return str(self.errors[name][0])
