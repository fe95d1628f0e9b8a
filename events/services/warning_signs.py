"""Signs of infiltration for staff: what a hostile crowd would look like in the data.

Each sign says what it saw (how many, where, in what window) and blocks nobody: a family
travelling between cities or a school class signing up together looks the same. The
moderation queue shows them on each event (`annotate()`: subqueries, so the page takes the
same number of queries however long it is), and the admin's Signals page lists them all
(`signals()`). No sign shows a participant's address: a repeated address is named by a
short keyed hash (`address_label()`), which staff can compare but not read.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.contrib.gis.measure import D
from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import (
    CharField,
    Count,
    DateTimeField,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Concat, Lower, Trim
from django.utils import timezone
from django.utils.translation import ngettext

from allout.ratelimit import hashed
from events.models import Attendance, Embassy, Event

# One canonical address signed up to events in this many cities or more.
MULTI_CITY_CITIES = 3
# This many sign-ups to one event within BURST_WINDOW.
BURST_RSVPS = 15
BURST_WINDOW = datetime.timedelta(minutes=10)
# This many events by accounts younger than NEW_ACCOUNT_DAYS at one embassy (or within
# EMBASSY_RADIUS_M of it).
EMBASSY_NEW_ACCOUNT_EVENTS = 3
NEW_ACCOUNT_DAYS = 7
EMBASSY_RADIUS_M = 1000
# A list of at least this many where more than half never confirmed within an hour.
UNCONFIRMED_MIN_LIST = 10
UNCONFIRMED_AFTER = datetime.timedelta(hours=1)

ACTIVE = [Event.Status.PENDING, Event.Status.APPROVED]


class SubqueryCount(Func):
    """COUNT(...) of a subquery's rows, without a GROUP BY (one row, 0 when none)."""

    function = "COUNT"
    output_field = IntegerField()


class SubqueryCountDistinct(SubqueryCount):
    template = "COUNT(DISTINCT %(expressions)s)"


def _count(queryset: QuerySet, column: str = "pk", *, distinct: bool = False) -> Subquery:
    counter = SubqueryCountDistinct if distinct else SubqueryCount
    return Subquery(queryset.order_by().annotate(n=counter(F(column))).values("n"), IntegerField())


def address_label(email_normalized: str) -> str:
    """A short name for an address, the same on every page, that says nothing about it."""
    return hashed(f"warning-signs:{email_normalized}")[:8]


def _city_key(prefix: str = "") -> Concat:
    return Concat(
        Lower(Trim(f"{prefix}city")), Value("|"), f"{prefix}country", output_field=CharField()
    )


def multi_city_addresses() -> QuerySet:
    """Canonical addresses signed up (not cancelled, not erased) in several cities."""
    return (
        Attendance.objects.expected()
        .order_by()
        .values("email_normalized")
        .annotate(cities=Count(_city_key("event__"), distinct=True), signups=Count("pk"))
        .filter(cities__gte=MULTI_CITY_CITIES)
    )


def _new_account_events_at(embassy_point: object) -> QuerySet[Event]:
    """Active events near an embassy registered by accounts under NEW_ACCOUNT_DAYS old."""
    return Event.objects.filter(
        status__in=ACTIVE,
        point__dwithin=(embassy_point, D(m=EMBASSY_RADIUS_M)),
        organizer__date_joined__gt=F("created_at") - datetime.timedelta(days=NEW_ACCOUNT_DAYS),
    )


def _burst_size() -> Subquery:
    """The most sign-ups to the event within any BURST_WINDOW (one starts at a sign-up).

    Served by the (event, created_at) index: one range scan per sign-up.
    """
    window_end = ExpressionWrapper(
        OuterRef("created_at") + BURST_WINDOW, output_field=DateTimeField()
    )
    in_window = Attendance.objects.filter(
        event=OuterRef("event"), created_at__gte=OuterRef("created_at"), created_at__lt=window_end
    )
    per_start = Attendance.objects.filter(event=OuterRef("pk")).annotate(n=_count(in_window))
    return Subquery(per_start.order_by("-n").values("n")[:1], IntegerField())


def annotate(events: QuerySet[Event]) -> QuerySet[Event]:
    """Each event's warning signs, in the same query as the events."""
    repeated = multi_city_addresses().values("email_normalized")
    attendances = Attendance.objects.expected().filter(event=OuterRef("pk"))
    settled = timezone.now() - UNCONFIRMED_AFTER
    return events.annotate(
        multi_city_participants=_count(attendances.filter(email_normalized__in=repeated)),
        burst_size=Coalesce(_burst_size(), 0),
        new_account_events_at_embassy=_count(_new_account_events_at(OuterRef("embassy__point"))),
        expected_participants=_count(attendances),
        unconfirmed_participants=_count(
            attendances.filter(status=Attendance.Status.UNCONFIRMED, created_at__lt=settled)
        ),
    )


def signs_of(event: Event) -> list[str]:
    """What `annotate()` saw about one event, as sentences for staff."""
    signs = []
    repeated = getattr(event, "multi_city_participants", 0) or 0
    if repeated:
        signs.append(
            ngettext(
                "%(count)d participant also signed up in %(cities)d or more other cities",
                "%(count)d participants also signed up in %(cities)d or more other cities",
                repeated,
            )
            % {"count": repeated, "cities": MULTI_CITY_CITIES - 1}
        )
    burst = getattr(event, "burst_size", 0) or 0
    if burst >= BURST_RSVPS:
        signs.append(
            ngettext(
                "%(count)d sign-ups within %(minutes)d minute",
                "%(count)d sign-ups within %(minutes)d minutes",
                int(BURST_WINDOW.total_seconds() // 60),
            )
            % {"count": burst, "minutes": BURST_WINDOW.total_seconds() // 60}
        )
    at_embassy = getattr(event, "new_account_events_at_embassy", 0) or 0
    if event.embassy_id and at_embassy >= EMBASSY_NEW_ACCOUNT_EVENTS:
        signs.append(
            ngettext(
                "%(count)d event by new accounts at this embassy (within %(radius)d m)",
                "%(count)d events by new accounts at this embassy (within %(radius)d m)",
                at_embassy,
            )
            % {"count": at_embassy, "radius": EMBASSY_RADIUS_M}
        )
    if is_mostly_unconfirmed(event):
        signs.append(
            ngettext(
                "%(unconfirmed)d of %(total)d sign-up never confirmed",
                "%(unconfirmed)d of %(total)d sign-ups never confirmed",
                getattr(event, "expected_participants", 0),
            )
            % {
                "unconfirmed": getattr(event, "unconfirmed_participants", 0),
                "total": getattr(event, "expected_participants", 0),
            }
        )
    return signs


def is_mostly_unconfirmed(event: Event) -> bool:
    total = getattr(event, "expected_participants", 0) or 0
    unconfirmed = getattr(event, "unconfirmed_participants", 0) or 0
    return total >= UNCONFIRMED_MIN_LIST and unconfirmed * 2 > total


# --- The Signals page ------------------------------------------------------------------------
@dataclass
class RepeatedAddress:
    label: str
    signups: int
    cities: list[str]
    events: list[Event] = field(default_factory=list)


@dataclass
class EmbassyCluster:
    embassy: Embassy
    events: int
    accounts: int


@dataclass
class Signals:
    repeated_addresses: list[RepeatedAddress]
    bursts: list[tuple[Event, int, datetime.datetime | None]]
    embassy_clusters: list[EmbassyCluster]
    mostly_unconfirmed: list[Event]


def signals(*, limit: int = 100) -> Signals:
    """Every sign across active events, strongest first, `limit` of each kind."""
    rows = list(
        multi_city_addresses()
        .annotate(
            city_names=ArrayAgg(
                Concat("event__city", Value(", "), "event__country", output_field=CharField()),
                distinct=True,
            ),
            event_ids=ArrayAgg("event_id", distinct=True),
        )
        .order_by("-cities", "-signups")[:limit]
    )
    by_pk = Event.objects.in_bulk({pk for row in rows for pk in row["event_ids"]})
    repeated = [
        RepeatedAddress(
            label=address_label(row["email_normalized"]),
            signups=row["signups"],
            cities=sorted(row["city_names"]),
            events=[by_pk[pk] for pk in sorted(row["event_ids"]) if pk in by_pk],
        )
        for row in rows
    ]
    # Typed loosely: the annotations are not fields mypy's Django plugin knows.
    active: QuerySet[Any] = annotate(Event.objects.filter(status__in=ACTIVE).upcoming())
    bursting = list(active.filter(burst_size__gte=BURST_RSVPS).order_by("-burst_size")[:limit])
    bursts = [(event, getattr(event, "burst_size", 0), _burst_start(event)) for event in bursting]
    clusters = [
        EmbassyCluster(embassy, embassy.new_account_events, embassy.new_accounts)
        for embassy in Embassy.objects.annotate(
            new_account_events=_count(_new_account_events_at(OuterRef("point"))),
            new_accounts=_count(
                _new_account_events_at(OuterRef("point")), "organizer", distinct=True
            ),
        )
        .filter(new_account_events__gte=EMBASSY_NEW_ACCOUNT_EVENTS)
        .order_by("-new_account_events")[:limit]
    ]
    unconfirmed = [
        event
        for event in active.filter(expected_participants__gte=UNCONFIRMED_MIN_LIST).order_by(
            "-unconfirmed_participants"
        )[:limit]
        if is_mostly_unconfirmed(event)
    ]
    return Signals(repeated, bursts, clusters, unconfirmed)


def _burst_start(event: Event) -> datetime.datetime | None:
    """When the fullest window of sign-ups to `event` began."""
    window_end = ExpressionWrapper(
        OuterRef("created_at") + BURST_WINDOW, output_field=DateTimeField()
    )
    in_window = Attendance.objects.filter(
        event=OuterRef("event"), created_at__gte=OuterRef("created_at"), created_at__lt=window_end
    )
    first = (
        Attendance.objects.filter(event=event)
        .annotate(n=_count(in_window))
        .order_by("-n", "created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return first
