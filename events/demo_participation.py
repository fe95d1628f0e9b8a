"""Demo data for taking part (manage.py load_demo, after events.demo).

Gives the demo organizer an approved event with a few confirmed participants, so the
dashboard, the CSV export and messaging have something to show. Idempotent; it creates its
own event (and the campaign) when the events demo has not made one for the organizer.
"""

from __future__ import annotations

import datetime
import zoneinfo

from django.contrib.gis.geos import Point
from django.db.models import F
from django.utils import timezone

from allout import demo
from allout.addresses import canonical_email
from allout.models import Campaign
from events import geo
from events.demo import next_day_of_action
from events.models import Attendance, Event

DEMO_SLUG = "demo-organizer-vigil"
PARTICIPANTS = [
    ("Alex", "alex.participant@example.org", True),
    ("Masha", "masha.participant@example.org", False),
    ("Jun", "jun.participant@example.org", True),
    ("Noor", "noor.participant@example.org", False),
    ("Sam", "sam.participant@example.org", True),
]


def load(stdout) -> None:
    organizer, _ = demo.make_user(demo.ORGANIZER)
    event = (
        Event.objects.filter(organizer=organizer, slug=DEMO_SLUG).first()
        or Event.objects.filter(organizer=organizer).public().order_by("pk").first()
        or _create_event(organizer)
    )
    added = 0
    for first_name, email, consent in PARTICIPANTS:
        _, created = Attendance.objects.current().get_or_create(
            event=event,
            email_normalized=canonical_email(email),
            defaults={
                "first_name": first_name,
                "email": email,
                "consent_organizer": consent,
                "status": Attendance.Status.CONFIRMED,
                "confirmation_sent_at": timezone.now(),
                "confirmed_at": timezone.now(),
            },
        )
        added += created
    # Count the new rows with F(), as confirming does, so reruns never inflate the counter.
    Event.objects.filter(pk=event.pk).update(participant_count=F("participant_count") + added)
    stdout.write(f"Demo participants: {len(PARTICIPANTS)} confirmed for {event.title!r}")


def _create_event(organizer) -> Event:
    campaign = Campaign.objects.current()
    if campaign is None or campaign.is_over():
        day = next_day_of_action()
        campaign, _ = Campaign.objects.get_or_create(
            slug=f"day-of-action-{day.year}",
            defaults={"name": "Global day of action for LGBT+ people in Russia", "date": day},
        )
    point = Point(-9.1365, 38.7078, srid=4326)  # Praça do Comércio, Lisbon
    zone = zoneinfo.ZoneInfo(geo.timezone_name_at(point))
    starts_at = datetime.datetime.combine(campaign.date, datetime.time(17, 0), tzinfo=zone)
    now = timezone.now()
    return Event.objects.create(
        campaign=campaign,
        kind=Event.Kind.PUBLIC_PLACE,
        title="Candlelight vigil for queer Russians",
        slug=DEMO_SLUG,
        description=(
            "We gather with candles and rainbow flags to show LGBT+ people in Russia that "
            "they are not alone. Bring a candle; we bring signs."
        ),
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=2),
        meeting_point="By the statue of King José I, on the river side",
        address="Praça do Comércio",
        city="Lisbon",
        country="PT",
        point=point,
        hide_exact_location=True,
        what_to_bring="A candle, warm clothes, a sign if you like.",
        organizer=organizer,
        organizer_name="Lisbon solidarity group",
        guidelines_accepted_at=now,
        status=Event.Status.APPROVED,
        approved_at=now,
    )
