"""RSVP throughput: the real RSVP view against a floor view, in the same run.

Built as bench/petitions_signing.py (bench/common.py): gunicorn with 4 sync workers and
DEBUG off, the outbox relay beside it, locust alternating floor and real rounds. Each
request signs a new address up to one event from a new client address; every real RSVP
writes its Attendance row and the confirmation email in the outbox, which the relay
publishes to a queue of the run's own (purged at the end; no worker runs).

    DATABASE_URL=postgis://... REDIS_URL=redis://127.0.0.1:6379/12 \\
        .venv/bin/python bench/rsvp_signing.py [--seconds 20] [--users 16] [--rounds 2] \\
        [--baseline DIR] [--bare]

`--bare` also measures bench/rsvp_bare.py, a sign-up view with none of the real view's
guarantees (no rate limit, no anti-bot check, no email): what is left between it and the
floor is what any sign-up costs; between it and the real view, what the guarantees cost.

It creates a campaign, an organizer and three approved events (bench-rsvp,
bench-rsvp-floor, bench-rsvp-bare), and deletes them, their sign-ups and emails
afterwards. Figures: bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import common

common.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.gis.geos import Point  # noqa: E402
from django.utils import timezone  # noqa: E402

from allout.models import Campaign, OutboxEmail  # noqa: E402
from events.models import Attendance, Event  # noqa: E402

RSVP_SLUG = "bench-rsvp"
FLOOR_SLUG = "bench-rsvp-floor"
BARE_SLUG = "bench-rsvp-bare"
SLUGS = (RSVP_SLUG, FLOOR_SLUG, BARE_SLUG)
CAMPAIGN_SLUG = "bench-rsvp-campaign"
ORGANIZER = "organizer@bench-rsvp.invalid"
BENCH_EMAILS = "@bench.invalid"


def events() -> tuple[Event, Event, Event]:
    """Three approved events a month ahead (the real view's, the floor's and the bare
    view's), in a campaign of the benchmark's own."""
    starts = timezone.now() + datetime.timedelta(days=30)
    campaign = Campaign.objects.create(name="Benchmark", slug=CAMPAIGN_SLUG, date=starts.date())
    organizer = get_user_model().objects.create_user(ORGANIZER, ORGANIZER, None)
    made = []
    for slug in SLUGS:
        event = Event(
            campaign=campaign,
            organizer=organizer,
            slug=slug,
            kind=Event.Kind.PUBLIC_PLACE,
            title=f"Benchmark ({slug})",
            description="Benchmark.",
            meeting_point="By the fountain",
            address="1 Main Square",
            organizer_name="Benchmark",
            point=Point(-0.12831, 51.50846, srid=4326),
            city="London",
            country="GB",
            status=Event.Status.APPROVED,
            guidelines_accepted_at=timezone.now(),
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=2),
        )
        event.place_points()
        event.save()
        made.append(event)
    return made[0], made[1], made[2]


def clean() -> None:
    """Delete the benchmark's events, sign-ups, organizer and emails (left over or made now)."""
    Attendance.objects.filter(event__slug__in=SLUGS).delete()
    Event.objects.filter(slug__in=SLUGS).delete()
    Campaign.objects.filter(slug=CAMPAIGN_SLUG).delete()
    get_user_model().objects.filter(email=ORGANIZER).delete()
    OutboxEmail.objects.filter(to__endswith=BENCH_EMAILS).delete()


def main() -> None:
    args = common.arguments(__doc__.split("\n\n")[0], more=bare_option)
    clean()
    event, floor_event, _ = events()
    comparison = common.Comparison(
        name="rsvp",
        floor_user="RSVPFloorUser",
        real_user="RSVPUser",
        env={
            "BENCH_RSVP_SLUG": RSVP_SLUG,
            "BENCH_FLOOR_EVENT_ID": str(floor_event.pk),
            "BENCH_BARE_SLUG": BARE_SLUG,
        },
        noun="sign-ups",
        others=(("rsvp, bare", "RSVPBareUser"),) if args.bare else (),
    )
    common.compare(
        args,
        comparison,
        stored=lambda: Attendance.objects.filter(event=event).count(),
        emails=lambda: OutboxEmail.objects.filter(to__endswith=BENCH_EMAILS),
        clean=clean,
    )


def bare_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--bare", action="store_true", help="also the sign-up view without the guarantees"
    )


if __name__ == "__main__":
    main()
