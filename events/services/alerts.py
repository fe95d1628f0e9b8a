"""Protest alerts: "tell me when a protest is organized near me".

Someone names a place and a distance; a confirmation link proves the address (double
opt-in, like an RSVP). When staff approve an event, every confirmed alert within its
distance of the event's public point is told about it once, and one person's alert sends at
most one email a day: what else was approved in that day waits for the next email, a digest.

Nothing here ever says whether an address has an alert: a repeat sign-up gets the page
anyone gets, costs the request the same work, and changes nothing a stranger could notice
(the form never moves an alert that its owner confirmed).
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from allout import mail
from allout.addresses import canonical_email
from allout.blocking import is_blocked
from allout.i18n import current_language
from allout.models import Campaign
from allout.rows import next_id
from events import emails
from events.finder.places import Place
from events.models import AlertDelivery, Event, ProtestAlert

# The distances a person can choose, in km; the form offers them in this order.
RADIUS_CHOICES_KM = (10, 25, 50, 100, 200)
DEFAULT_RADIUS_KM = 50
# An unconfirmed alert gets its confirmation email again at most this often.
RESEND_AFTER = datetime.timedelta(hours=1)
# At most one alert email a day to one alert; what comes in between waits for the digest.
EMAIL_INTERVAL = datetime.timedelta(days=1)
# A confirmation link nobody used for this long: the address was typed, never proved.
UNCONFIRMED_KEPT = datetime.timedelta(days=7)
# Alerts emailed per transaction by the daily send.
SEND_BATCH = 500


def place_key(place: Place) -> str:
    """One town's identity in the offline index, the same in every language."""
    return f"{place.country}:{place.lat:.5f}:{place.lng:.5f}"


def subscribe(
    campaign: Campaign, place: Place, *, radius_km: int, first_name: str, email: str
) -> None:
    """Record an alert and email its confirmation link, once per address and place.

    The request does the same work whether the address is new here or not: one statement
    stores a new alert with its email or, for a repeat (a current alert of the address for
    this place, or a racing twin once it commits), the worker's decision about it
    (subscribe_again) in its place. So neither the page nor the time of the answer tells
    whether someone has an alert, or where (SPEC).
    """
    if is_blocked(email):
        return  # silently (allout.blocking): nothing stored or sent
    language = current_language()
    alert = ProtestAlert(
        pk=next_id(ProtestAlert),  # its email's links carry it
        campaign=campaign,
        first_name=first_name,
        email=email.strip(),
        email_normalized=canonical_email(email),
        place=place.label,
        place_key=place_key(place),
        point=place.point,
        radius_km=radius_km,
        language=language,
        confirmation_sent_at=timezone.now(),
    )
    with mail.held() as held:
        emails.alert_confirm(alert)
    repeat = mail.deferred_row(
        REPEAT,
        alert.email,
        {
            "campaign": campaign,
            "email_normalized": alert.email_normalized,
            "place_key": alert.place_key,
            "first_name": first_name,
            "radius_km": radius_km,
            "language": language,
        },
        language=language,
    )
    mail.insert_new_with_email(alert, held, otherwise=repeat)


# The worker's decision about a repeat alert (allout.mail.deferred).
REPEAT = "alert_repeat"


@mail.deferred(REPEAT)
def subscribe_again(context: dict) -> None:
    """A repeat of an alert, as the worker takes it: a confirmed one changes nothing and
    sends nothing (the form never moves an alert its owner confirmed); an unconfirmed one
    takes the new name and distance and gets its link again, at most once an hour."""
    try:
        alert = ProtestAlert.objects.select_for_update().get(
            campaign=context["campaign"],
            email_normalized=context["email_normalized"],
            place_key=context["place_key"],
        )
    except ProtestAlert.DoesNotExist:  # stopped by its owner since
        return
    if alert.is_confirmed():
        return
    sent = alert.confirmation_sent_at
    if sent is not None and timezone.now() - sent < RESEND_AFTER:
        return
    alert.first_name, alert.radius_km = context["first_name"], context["radius_km"]
    alert.language = context["language"]
    alert.confirmation_sent_at = timezone.now()
    alert.save(update_fields=["first_name", "radius_km", "language", "confirmation_sent_at"])
    emails.alert_confirm(alert)


def confirm(alert: ProtestAlert) -> ProtestAlert:
    """Start an alert whose owner proved their address; running it twice changes nothing."""
    with transaction.atomic():
        alert = ProtestAlert.objects.select_for_update().get(pk=alert.pk)
        if alert.is_confirmed():
            return alert
        alert.status = ProtestAlert.Status.CONFIRMED
        alert.confirmed_at = timezone.now()
        alert.save(update_fields=["status", "confirmed_at"])
        return alert


def unsubscribe(alert_pk: int) -> None:
    """Stop an alert: the row goes, with what it was to tell (nothing is kept to remember it).
    Harmless when repeated."""
    ProtestAlert.objects.filter(pk=alert_pk).delete()


# --- The fan-out: events approved, alerts emailed ----------------------------------------
def announce_approved_events() -> int:
    """Record, for each event approved since the last run, the alerts it is news to.

    One INSERT ... SELECT per event. Its first ST_DWithin, on the largest distance anyone can
    choose, is the one the alerts' GiST index can serve (an index bound must be one value);
    the second keeps each alert's own distance. Returns how many alerts were told of an event.
    """
    recorded = 0
    with transaction.atomic():
        # SKIP LOCKED: two sweeps at once share the events out instead of waiting.
        events = list(
            Event.objects.approved()
            .upcoming()
            .filter(alerts_announced_at__isnull=True)
            .select_for_update(skip_locked=True, of=("self",))
            .values_list("pk", flat=True)
        )
        for pk in events:
            recorded += _record_deliveries(pk)
        Event.objects.filter(pk__in=events).update(alerts_announced_at=timezone.now())
    return recorded


def _record_deliveries(event_pk: int) -> int:
    alerts, deliveries = ProtestAlert._meta.db_table, AlertDelivery._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {deliveries} (alert_id, event_id, created_at)
            SELECT alert.id, event.id, now()
              FROM {Event._meta.db_table} event
              JOIN {alerts} alert
                ON ST_DWithin(alert.point, event.public_point, %s)
               AND ST_DWithin(alert.point, event.public_point, alert.radius_km * 1000.0)
             WHERE event.id = %s AND alert.status = %s AND alert.campaign_id = event.campaign_id
            ON CONFLICT DO NOTHING
            """,  # noqa: S608 (table names from the models, values as parameters)
            [max(RADIUS_CHOICES_KM) * 1000.0, event_pk, ProtestAlert.Status.CONFIRMED],
        )
        return cursor.rowcount


def _waiting(now: datetime.datetime) -> QuerySet[AlertDelivery]:
    """Deliveries not yet emailed, of events still public (one unpublished since waits)."""
    return AlertDelivery.objects.filter(
        emailed_at=None, event__in=Event.objects.approved().upcoming(now).values("pk")
    )


def send_due_alerts(now: datetime.datetime | None = None) -> int:
    """Queue one email to each alert with news whose last email is a day old (or none yet):
    every event it has not been told of, in one email. Returns how many were queued."""
    now = now or timezone.now()
    queued = 0
    while True:
        with transaction.atomic():
            due = list(
                ProtestAlert.objects.confirmed()
                .filter(Q(emailed_at=None) | Q(emailed_at__lte=now - EMAIL_INTERVAL))
                .filter(Exists(_waiting(now).filter(alert=OuterRef("pk"))))
                .order_by("pk")
                .select_for_update(skip_locked=True)[:SEND_BATCH]
            )
            if not due:
                return queued
            news: dict[int, list[Event]] = defaultdict(list)
            deliveries = (
                _waiting(now)
                .filter(alert__in=due)
                .select_related("event")
                .order_by("event__starts_at", "event__pk")
            )
            for delivery in deliveries:
                news[delivery.alert_id].append(delivery.event)
            for alert in due:
                # A blocked address hears nothing, silently; its news is spent all the same.
                if news[alert.pk] and not is_blocked(alert.email):
                    emails.protest_alert(alert, news[alert.pk])
                    queued += 1
            AlertDelivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(emailed_at=now)
            ProtestAlert.objects.filter(pk__in=[a.pk for a in due]).update(emailed_at=now)


# --- Erasure and the data page -----------------------------------------------------------
def erase_past_alerts(today: datetime.date | None = None) -> int:
    """Delete the alerts of a campaign whose day was PARTICIPANT_RETENTION_DAYS ago, and
    those never confirmed within UNCONFIRMED_KEPT; returns how many went."""
    today = today or timezone.localdate()
    cutoff = today - datetime.timedelta(days=settings.PARTICIPANT_RETENTION_DAYS)
    stale = Q(campaign__date__lt=cutoff) | Q(
        status=ProtestAlert.Status.UNCONFIRMED, created_at__lt=timezone.now() - UNCONFIRMED_KEPT
    )
    deleted, _ = ProtestAlert.objects.filter(
        pk__in=ProtestAlert.objects.filter(stale).values("pk")
    ).delete()
    return deleted


def _of_address(email: str) -> QuerySet[ProtestAlert]:
    return ProtestAlert.objects.filter(email_normalized=canonical_email(email))


def collect_personal_data(email: str) -> list[dict]:
    """What an address's owner sees of their alerts on the data page (allout.privacy)."""
    return [
        {
            "place": alert.place,
            "radius_km": alert.radius_km,
            "first_name": alert.first_name,
            "email": alert.email,
            "status": alert.get_status_display(),
            "email_language": alert.get_language_display(),
            "asked": alert.created_at,
        }
        for alert in _of_address(email).order_by("created_at")
    ]


ALERT_LABELS = {
    "place": gettext_lazy("Place"),
    "radius_km": gettext_lazy("Distance (km)"),
    "first_name": gettext_lazy("First name"),
    "email": gettext_lazy("Email"),
    "status": gettext_lazy("Status"),
    "email_language": gettext_lazy("Language of our emails"),
    "asked": gettext_lazy("Asked"),
}


def erase_personal_data(email: str) -> int:
    """Delete every alert of an address on request (allout.privacy)."""
    deleted = 0
    for model, count in _of_address(email).delete()[1].items():
        if model == ProtestAlert._meta.label:
            deleted = count
    return deleted
