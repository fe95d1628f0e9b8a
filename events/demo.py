"""Demo data for events (manage.py load_demo): the campaign, the embassy directory, the
high-risk countries, about forty approved events around the world and three pending ones,
and confirmed participants for the demo organizer's London event.

A re-run creates what is missing and leaves what exists as staff and organizers left it:
rows are matched by slug or name and never updated, so an event a moderator rejected stays
rejected. The one exception: events left on an earlier year's campaign move to this year's
day of action (their status and everything else stay), so the map is never empty.
"""

from __future__ import annotations

import datetime
import json
import zoneinfo
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import Point
from django.db.models import F
from django.utils import timezone

from allout import demo
from allout.addresses import canonical_email
from allout.models import Campaign, HighRiskCountry
from events import geo
from events.models import (
    Attendance,
    Embassy,
    Event,
    EventReport,
    ModerationAction,
)

EMBASSIES_FILE = Path(__file__).resolve().parent / "data" / "embassies.json"


def _organizer(email: str) -> demo.DemoLogin:
    return demo.DemoLogin("organizer", email, "demo-organizer")


def next_day_of_action(today: datetime.date | None = None) -> datetime.date:
    """The next 16 March (today included)."""
    today = today or timezone.localdate()
    day = datetime.date(today.year, 3, 16)
    return day if day >= today else datetime.date(today.year + 1, 3, 16)


EVENTS_FILE = Path(__file__).resolve().parent / "data" / "demo_events.json"
ORGANIZERS = {
    "organizer": demo.ORGANIZER,
    "second_organizer": demo.SECOND_ORGANIZER,
    "sao_paulo": _organizer("sp.organizer@example.org"),
    "tokyo": _organizer("tokyo.organizer@example.org"),
    "sydney": _organizer("sydney.organizer@example.org"),
    "north_america": _organizer("nyc.organizer@example.org"),
    "latin_america": _organizer("ba.organizer@example.org"),
    "india": _organizer("india.organizer@example.org"),
    "europe": _organizer("paris.organizer@example.org"),
    "nordic": _organizer("nordic.organizer@example.org"),
}
# Accounts that look a few weeks old, so the moderation queue shows "new account" only for
# the São Paulo organizer (whose pending event in Istanbul is the example to look at).
ESTABLISHED_DAYS = 45


@dataclass(frozen=True)
class DemoEvent:
    """One row of data/demo_events.json."""

    slug: str
    title: str
    organizer: str  # a key of ORGANIZERS
    display_name: str
    hours: tuple[str, str]  # local start and end on the day of action
    status: str
    # An embassy event names its embassy by city; a public one gives its own place.
    embassy_city: str = ""
    city: str = ""
    country: str = ""
    place: str = ""  # the meeting point
    address: str = ""
    lat: float = 0.0
    lng: float = 0.0
    hidden: bool = False
    size: int | None = None
    story: int = 0  # which of STORIES describes it
    participants: bool = False  # whether PARTICIPANTS signed up and confirmed


def demo_events() -> list[DemoEvent]:
    rows = json.loads(EVENTS_FILE.read_text(encoding="utf-8"))
    return [DemoEvent(**{**row, "hours": tuple(row["hours"])}) for row in rows]


STORIES = [
    """On the day Russia holds its presidential election, we stand in front of its mission to say
it plainly: **being LGBT+ is not extremism.**

What will happen:

- short speeches from Russian LGBT+ people who live here now;
- the names of people prosecuted under the "extremism" label, read aloud;
- a minute of silence, then music.

Bring a rainbow flag if you have one. We will also collect signatures for the Sphere
Foundation's [petition for safe passage](/petitions/).""",
    """Since Russia labelled the "international LGBT+ movement" *extremist*, people have been
arrested for a rainbow earring. Today {city} answers with colour and noise.

We march peacefully, together, and we ask our government to **open safe passage** (visas and
travel documents) for LGBT+ Russians who must leave.

Stewards in pink vests will guide the route. Follow their instructions.""",
    """A quiet evening vigil with candles for everyone in Russia who cannot be here, and for
those who have been detained.

1. Gather and light candles.
2. Testimonies from queer Russians (read by friends, for their safety).
3. Silence, then we go home together in groups.

Please do **not** photograph faces without consent. Read the
[safety guidelines](/privacy/#safety) before you come.""",
    """A small, calm gathering. The exact meeting point is shared with confirmed participants only:
RSVP and we will email it to you.

We will write postcards to LGBT+ Russians in exile and sign the
[petition for safe passage](/petitions/) together. Newcomers are very welcome.""",
]

ACCESSIBILITY = (
    "Step-free access from the street. Some seating for those who need it; ask a steward. "
    "A quiet area away from the speakers."
)
WHAT_TO_BRING = "Rainbow flags, hand-made signs (no sticks), water, warm clothes."

# Confirmed sign-ups (first name, email, consent to hear from the organizer), so that the
# dashboard, the CSV export and messaging have something to show.
PARTICIPANTS = [
    ("Alex", "alex.participant@example.org", True),
    ("Masha", "masha.participant@example.org", False),
    ("Jun", "jun.participant@example.org", True),
    ("Noor", "noor.participant@example.org", False),
    ("Sam", "sam.participant@example.org", True),
]


def _embassies(stdout) -> dict[str, Embassy]:
    rows = json.loads(EMBASSIES_FILE.read_text(encoding="utf-8"))
    by_city = {}
    for row in rows:
        embassy, _ = Embassy.objects.get_or_create(
            name=row["name"],
            defaults={
                "kind": row["kind"],
                "country": row["country"],
                "city": row["city"],
                "address": row["address"],
                "point": Point(row["lng"], row["lat"], srid=4326),
            },
        )
        by_city[row["city"]] = embassy
    stdout.write(f"Embassy directory: {len(rows)} embassies and consulates")
    return by_city


def _local(day: datetime.date, hhmm: str, zone_name: str) -> datetime.datetime:
    hours, minutes = (int(part) for part in hhmm.split(":"))
    return datetime.datetime.combine(
        day, datetime.time(hours, minutes), tzinfo=zoneinfo.ZoneInfo(zone_name)
    )


def _place(spec: DemoEvent, embassies: dict[str, Embassy]) -> dict:
    """Where `spec` happens: its embassy's place, or its own."""
    if spec.embassy_city:
        embassy = embassies[spec.embassy_city]
        return {
            "kind": Event.Kind.EMBASSY,
            "embassy": embassy,
            "city": embassy.city,
            "country": embassy.country.code,
            "address": embassy.address,
            "point": Point(embassy.point.x, embassy.point.y, srid=4326),
        }
    return {
        "kind": Event.Kind.PUBLIC_PLACE,
        "embassy": None,
        "city": spec.city,
        "country": spec.country,
        "address": spec.address,
        "point": Point(spec.lng, spec.lat, srid=4326),
    }


def build_event(
    spec: DemoEvent,
    *,
    campaign: Campaign,
    embassies: dict[str, Embassy],
    organizers: dict,
    moderator,
) -> tuple[Event, bool]:
    """The demo event `spec`, with its approval and its participants; and whether it was
    created now. An existing one is left as it is (see the module's docstring)."""
    event = Event.objects.filter(slug=spec.slug).first()
    if event is not None:
        if event.campaign_id != campaign.pk:
            event.campaign = campaign
            event.starts_at = _local(campaign.date, spec.hours[0], event.timezone)
            event.ends_at = _local(campaign.date, spec.hours[1], event.timezone)
            event.save(update_fields=["campaign", "starts_at", "ends_at", "updated_at"])
        return event, False
    place = _place(spec, embassies)
    zone = geo.timezone_name_at(place["point"])
    now = timezone.now()
    event = Event.objects.create(
        **place,
        slug=spec.slug,
        campaign=campaign,
        title=spec.title,
        description=STORIES[spec.story].format(city=place["city"]),
        starts_at=_local(campaign.date, spec.hours[0], zone),
        ends_at=_local(campaign.date, spec.hours[1], zone),
        meeting_point=spec.place,
        hide_exact_location=spec.hidden,
        expected_size=spec.size,
        accessibility=ACCESSIBILITY,
        what_to_bring=WHAT_TO_BRING,
        organizer=organizers[spec.organizer],
        organizer_name=spec.display_name,
        guidelines_accepted_at=now,
        status=spec.status,
        approved_at=now if spec.status == Event.Status.APPROVED else None,
    )
    if event.is_public():
        ModerationAction.objects.create(
            event=event, actor=moderator, action=ModerationAction.Action.APPROVE
        )
    if spec.participants:
        Attendance.objects.bulk_create(
            Attendance(
                event=event,
                first_name=first_name,
                email=email,
                email_normalized=canonical_email(email),  # bulk_create skips save()
                consent_organizer=consent,
                status=Attendance.Status.CONFIRMED,
                confirmation_sent_at=now,
                confirmed_at=now,
            )
            for first_name, email, consent in PARTICIPANTS
        )
        # The counter, as confirming keeps it.
        Event.objects.filter(pk=event.pk).update(
            participant_count=F("participant_count") + len(PARTICIPANTS)
        )
        event.refresh_from_db(fields=["participant_count"])
    return event, True


def load(stdout) -> None:
    day = next_day_of_action()
    campaign, _ = Campaign.objects.get_or_create(
        slug=f"day-of-action-{day.year}",
        defaults={
            "name": demo.CAMPAIGN_NAMES[settings.LANGUAGE_CODE],
            "date": day,
            "description": demo.CAMPAIGN_DESCRIPTIONS[settings.LANGUAGE_CODE],
        },
    )
    demo.fill_campaign_translations(campaign)
    stdout.write(f"Campaign: {campaign}")

    embassies = _embassies(stdout)
    for code, note in [
        ("RU", "LGBT+ movement labelled extremist (2023): public events endanger everyone."),
        ("BY", "Protest and LGBT+ expression heavily repressed."),
    ]:
        HighRiskCountry.objects.get_or_create(country=code, defaults={"note": note})

    organizers = {key: demo.make_user(login)[0] for key, login in ORGANIZERS.items()}
    joined = timezone.now() - datetime.timedelta(days=ESTABLISHED_DAYS)
    get_user_model().objects.filter(
        pk__in=[user.pk for key, user in organizers.items() if key != "sao_paulo"],
        date_joined__gt=joined,
    ).update(date_joined=joined)
    moderator = get_user_model().objects.filter(email=demo.STAFF.email).first()
    specs = demo_events()
    created = 0
    for spec in specs:
        event, new = build_event(
            spec,
            campaign=campaign,
            embassies=embassies,
            organizers=organizers,
            moderator=moderator,
        )
        created += new
        if spec.participants and new:
            stdout.write(f"Demo participants: {len(PARTICIPANTS)} confirmed for {event.title!r}")
    # One abuse report, so the report queue has something to show.
    EventReport.objects.get_or_create(
        event=Event.objects.get(slug="tokyo-yoyogi"),
        reason=EventReport.Reason.WRONG,
        defaults={"text": "The fountain area is fenced off for works until April."},
    )
    statuses = Counter(
        Event.objects.filter(slug__in=[spec.slug for spec in specs]).values_list(
            "status", flat=True
        )
    )
    counts = ", ".join(
        f"{count} {Event.Status(status).label.lower()}" for status, count in statuses.items()
    )
    stdout.write(f"Events: {counts} ({created} created now)")
    extra = [login.email for login in ORGANIZERS.values()][2:]
    stdout.write(f"More demo organizers (password demo-organizer): {', '.join(extra)}")
