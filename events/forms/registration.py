"""The organizer's event form: register a protest, or change it.

The form works without JavaScript: the embassy picker fills the place on the server, and a
typed city with one match sets the point. static/js/event-form.js only makes it quicker.
"""

from __future__ import annotations

import copy
import datetime
import zoneinfo
from collections.abc import MutableMapping
from typing import Any

from django import forms
from django.contrib.gis.geos import Point
from django.forms.models import ModelChoiceIterator
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from allout import dates
from allout.antibot import AntiBotMixin
from allout.models import Campaign
from events import geo, risk
from events.finder import places
from events.models import Embassy, Event
from events.services.registration import EventDetails

# Events belong to the day of action; a few days either side is allowed (some cities may
# not protest on that day), further away is another campaign.
CAMPAIGN_WINDOW_DAYS = 7


class EmbassyChoiceIterator(ModelChoiceIterator):
    """The directory grouped by country name, as <optgroup>s."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        groups: dict[str, list] = {}
        for embassy in self.queryset:
            groups.setdefault(str(embassy.country.name), []).append(self.choice(embassy))
        yield from sorted(groups.items())


class EmbassySelect(forms.Select):
    """Each option carries its place in data- attributes, for the form's script."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        embassy = getattr(value, "instance", None)
        if embassy is not None:
            option["attrs"].update(
                {
                    "data-lat": f"{embassy.point.y:.6f}",
                    "data-lng": f"{embassy.point.x:.6f}",
                    "data-city": embassy.city,
                    "data-country": embassy.country.code,
                    "data-address": embassy.address,
                }
            )
        return option


class EmbassyField(forms.ModelChoiceField):
    iterator = EmbassyChoiceIterator
    widget = EmbassySelect

    def label_from_instance(self, embassy: Embassy) -> str:
        return f"{embassy.city}: {embassy.name}"


class EventForm(forms.ModelForm):
    data: MutableMapping[str, Any]  # a copy when bound: clean() writes back what it found

    kind = forms.ChoiceField(
        label=gettext_lazy("Where will it be?"),
        choices=Event.Kind.choices,
        widget=forms.RadioSelect,
    )
    embassy = EmbassyField(
        label=gettext_lazy("Embassy or consulate"),
        queryset=Embassy.objects.filter(is_active=True),
        required=False,
        empty_label=gettext_lazy("Choose from the directory"),
        help_text=gettext_lazy("We fill in the address and the map from our directory."),
    )
    place_search = forms.CharField(
        label=gettext_lazy("Find a city"),
        required=False,
        max_length=120,
        help_text=gettext_lazy(
            "Type a city to centre the map, then click the exact meeting place. Without the "
            "map, the pin goes to the centre of the city you type."
        ),
    )
    latitude = forms.FloatField(
        label=gettext_lazy("Latitude"),
        required=False,
        min_value=-90,
        max_value=90,
        widget=forms.NumberInput(attrs={"step": "any"}),
    )
    longitude = forms.FloatField(
        label=gettext_lazy("Longitude"),
        required=False,
        min_value=-180,
        max_value=180,
        widget=forms.NumberInput(attrs={"step": "any"}),
    )
    date = forms.DateField(
        label=gettext_lazy("Date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    start_time = forms.TimeField(
        label=gettext_lazy("Starts at"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=gettext_lazy("Local time where the event takes place."),
    )
    end_time = forms.TimeField(
        label=gettext_lazy("Ends at"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    accept_guidelines = forms.BooleanField(
        error_messages={"required": gettext_lazy("Please agree to the guidelines to continue.")},
    )

    # The page's order, so the error summary names the fields in the order people meet them.
    field_order = [
        "kind", "embassy", "place_search", "latitude", "longitude", "city", "country",
        "address", "meeting_point", "hide_exact_location", "date", "start_time", "end_time",
        "title", "description", "language", "expected_size", "accessibility", "what_to_bring",
        "organizer_name", "accept_guidelines",
    ]  # fmt: skip

    class Meta:
        model = Event
        fields = [
            "kind", "embassy", "title", "description", "language", "meeting_point", "address",
            "city", "country", "hide_exact_location", "expected_size", "accessibility",
            "what_to_bring", "organizer_name",
        ]  # fmt: skip
        labels = {
            "description": gettext_lazy("Description"),
            "language": gettext_lazy("Language of the title and description"),
            "hide_exact_location": gettext_lazy(
                "Show the exact meeting point only to confirmed participants"
            ),
            "expected_size": gettext_lazy("Expected size (optional)"),
            "accessibility": gettext_lazy("Accessibility notes"),
            "what_to_bring": gettext_lazy("What to bring"),
        }
        help_texts = {
            "description": gettext_lazy(
                "Why you protest and what will happen. Markdown: **bold**, *italics*, "
                "[links](https://example.org), lists."
            ),
            "meeting_point": gettext_lazy("How people find you there: “by the fountain”."),
            "address": gettext_lazy("If the place has one: a square or a park may have none."),
            "hide_exact_location": gettext_lazy(
                "The public then sees the city, and on the map an area of about a kilometre "
                "around the place. Not for an embassy or consulate: its address is public, "
                "so hiding it would protect no one."
            ),
            "language": gettext_lazy(
                "Your text stays in this language; readers see the rest of the page in theirs."
            ),
            "accessibility": gettext_lazy("Step-free access, seating, toilets, quiet space…"),
            "what_to_bring": gettext_lazy("Flags, signs, water, warm clothes…"),
            "organizer_name": gettext_lazy(
                "Shown on the event page instead of your name or email. It can be a pseudonym."
            ),
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 8}),
            "accessibility": forms.Textarea(attrs={"rows": 3}),
            "what_to_bring": forms.Textarea(attrs={"rows": 3}),
            "expected_size": forms.NumberInput(attrs={"min": 1}),
        }

    def __init__(self, *args, campaign: Campaign, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        # Set by clean(): the high-risk country that refused the event, and whether the
        # date is off the day of action (allowed; the view says so).
        self.high_risk_country: str | None = None
        self.off_day = False
        if self.is_bound:
            # A mutable copy (QueryDict.__copy__): clean() writes back a point found from a city.
            self.data = copy.copy(self.data)
        for name in ("address", "city", "country"):
            self.fields[name].required = False  # filled from the embassy for embassy events
        # Left out (an older client, a script): the language the organizer reads the form in.
        self.fields["language"].required = False
        if not self.instance.pk:
            self.initial.setdefault("language", translation.get_language())
        self.fields["date"].help_text = _("The day of action is %(day)s.") % {
            "day": dates.day(campaign.date)
        }
        if self.instance.pk:
            del self.fields["accept_guidelines"]  # accepted when the event was registered
            start, end = self.instance.local_starts_at(), self.instance.local_ends_at()
            self.initial.update(
                date=start.date(),
                start_time=start.time(),
                end_time=end.time(),
                latitude=round(self.instance.point.y, 6),
                longitude=round(self.instance.point.x, 6),
            )
        else:
            self.initial.setdefault("date", campaign.date)
            self.fields["accept_guidelines"].label = format_html(
                '{} <a href="{}">{}</a>.',
                _("I have read and will follow the"),
                reverse("events:guidelines"),
                _("safety and non-violence guidelines"),
            )

    # --- Place ----------------------------------------------------------------------------
    def _clean_embassy_place(self, data: dict) -> None:
        embassy: Embassy | None = data.get("embassy")
        if embassy is None:
            self.add_error("embassy", _("Choose the embassy or consulate."))
            return
        chosen = data.get("country")
        if chosen and str(chosen) != embassy.country.code:
            self.add_error(
                "country",
                _(
                    "%(embassy)s is in %(country)s, not in %(chosen)s. Check the country, "
                    "or choose another embassy."
                )
                % {
                    "embassy": embassy.name,
                    "country": embassy.country.name,
                    "chosen": countries.name(chosen) or chosen,
                },
            )
            return
        data.update(
            city=embassy.city,
            country=embassy.country.code,
            address=embassy.address,
            point=Point(embassy.point.x, embassy.point.y, srid=4326),
        )

    def _clean_public_place(self, data: dict) -> None:
        data["embassy"] = None
        latitude, longitude = data.get("latitude"), data.get("longitude")
        if latitude is not None and longitude is not None:
            data["point"] = Point(longitude, latitude, srid=4326)
        elif latitude is not None or longitude is not None:
            self.add_error(
                "latitude", _("Give both latitude and longitude, or click the place on the map.")
            )
        elif not self._point_from_search(data):
            return
        # No street address: a square or a park placed by city search and a pin has none.
        for name in ("city", "country"):
            if not data.get(name) and name not in self.errors:
                self.add_error(name, self.fields[name].error_messages["required"])

    def _point_from_search(self, data: dict) -> bool:
        """Without a pin, the city typed in the search box places it (one match only)."""
        text = data.get("place_search", "").strip()
        if not text:
            self.add_error(
                "place_search", _("Click the meeting place on the map, or type the city here.")
            )
            return False
        # The finder's lookup: "Paris, Texas" and "London" mean the same here as there.
        lookup = places.look_up(text)
        if lookup.place is not None and lookup.place.kind == "city":
            place = lookup.place
        else:
            matches = [p for p in [lookup.place, *lookup.others] if p and p.kind == "city"]
            if not matches:
                self.add_error(
                    "place_search",
                    _("We don't know a city called “%(text)s”. Check the spelling, or use the map.")
                    % {"text": text},
                )
                return False
            if len(matches) > 1:
                self.add_error(
                    "place_search",
                    _(
                        "Several cities match: %(labels)s. Type the one you mean as it is "
                        "written here."
                    )
                    % {"labels": "; ".join(place.label for place in matches)},
                )
                return False
            place = matches[0]
        data["point"] = Point(place.lng, place.lat, srid=4326)
        data["city"] = data.get("city") or place.name
        data["country"] = data.get("country") or place.country
        # Show the result if the form comes back with other errors.
        self.data["latitude"] = f"{place.lat:.6f}"
        self.data["longitude"] = f"{place.lng:.6f}"
        self.data["city"] = data["city"]
        self.data["country"] = str(data["country"])
        return True

    # --- Time -----------------------------------------------------------------------------
    def _local(self, day: datetime.date, time: datetime.time, zone: zoneinfo.ZoneInfo):
        moment = datetime.datetime.combine(day, time, tzinfo=zone)
        if moment.astimezone(datetime.UTC).astimezone(zone).replace(tzinfo=None) != moment.replace(
            tzinfo=None
        ):
            return None  # skipped when the clocks go forward
        return moment

    def _clean_times(self, data: dict) -> None:
        day, start, end = data.get("date"), data.get("start_time"), data.get("end_time")
        if day is None or start is None or end is None:
            return
        window = datetime.timedelta(days=CAMPAIGN_WINDOW_DAYS)
        if abs(day - self.campaign.date) > window:
            self.add_error(
                "date",
                _(
                    "Events for %(campaign)s take place on %(day)s or within a week of it. "
                    "Choose a date between %(first)s and %(last)s."
                )
                % {
                    "campaign": self.campaign.name,
                    "day": dates.day(self.campaign.date),
                    "first": dates.day(self.campaign.date - window),
                    "last": dates.day(self.campaign.date + window),
                },
            )
            return
        self.off_day = day != self.campaign.date
        if end <= start:
            self.add_error("end_time", _("The end must be after the start."))
            return
        point = data.get("point")
        if point is None:
            return  # the place is missing; its error is already shown
        zone_name = geo.timezone_name_at(point)
        zone = zoneinfo.ZoneInfo(zone_name)
        starts_at, ends_at = self._local(day, start, zone), self._local(day, end, zone)
        if starts_at is None or ends_at is None:
            field = "start_time" if starts_at is None else "end_time"
            self.add_error(
                field,
                _("The clocks change at that time in %(zone)s: choose another time.")
                % {"zone": zone_name},
            )
            return
        unchanged = self.instance.pk and starts_at == self.instance.starts_at
        now = timezone.now()
        if starts_at <= now and not unchanged:
            self.add_error(
                "start_time",
                _("This time has already passed: it is now %(now)s on %(date)s in %(zone)s.")
                % {
                    "now": now.astimezone(zone).strftime("%H:%M"),
                    "date": now.astimezone(zone).date().isoformat(),
                    "zone": zone_name,
                },
            )
            return
        data["starts_at"], data["ends_at"] = starts_at, ends_at

    def clean_language(self) -> str:
        if self.cleaned_data["language"]:
            return self.cleaned_data["language"]
        return self.instance.language if self.instance.pk else self.initial["language"]

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        kind = data.get("kind")
        if kind == Event.Kind.EMBASSY:
            self._clean_embassy_place(data)
        elif kind == Event.Kind.PUBLIC_PLACE:
            self._clean_public_place(data)
        self.high_risk_country = risk.high_risk_country_at(
            data.get("country") or "", data.get("point")
        )
        if self.high_risk_country:
            raise forms.ValidationError(
                _("For everyone's safety, we cannot list public events in this country."),
                code="high_risk",
            )
        self._clean_times(data)
        return data

    def details(self) -> EventDetails:
        """The validated form as the input of events.services."""
        data = self.cleaned_data
        return EventDetails(
            kind=data["kind"],
            embassy=data.get("embassy"),
            title=data["title"],
            description=data["description"],
            language=data["language"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            meeting_point=data["meeting_point"],
            address=data["address"],
            city=data["city"],
            country=str(data["country"]),
            point=data["point"],
            hide_exact_location=data["hide_exact_location"],
            expected_size=data.get("expected_size"),
            accessibility=data.get("accessibility", ""),
            what_to_bring=data.get("what_to_bring", ""),
            organizer_name=data["organizer_name"],
        )


class NewEventForm(AntiBotMixin, EventForm):
    """Registering an event: the public form, so the anti-automation checks (editing is not)."""

    antibot_scope = "event-new"
