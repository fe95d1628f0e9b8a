"""Every email about events, one small function per message, all through allout.mail.

Each is queued in the caller's transaction (an outbox row) and sent by a worker after commit.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q
from django.urls import reverse

from allout import mail
from allout.links import absolute_url
from events.models import Event


def _context(event: Event) -> dict:
    return {
        "event": event,
        "event_url": absolute_url(event.get_absolute_url()),
        "edit_url": absolute_url(reverse("events:edit", args=[event.slug])),
        "guidelines_url": absolute_url(reverse("privacy") + "#safety"),
    }


def moderator_emails() -> list[str]:
    """Addresses of active staff who hold the events moderation permission."""
    permission = Permission.objects.get(content_type__app_label="events", codename="moderate_event")
    users = (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .filter(
            Q(is_superuser=True)
            | Q(user_permissions=permission)
            | Q(groups__permissions=permission)
        )
        .exclude(email="")
        .order_by("email")
        .values_list("email", flat=True)
        .distinct()
    )
    return list(users)


def event_received(event: Event) -> None:
    """To the organizer: the event arrived and waits for review."""
    mail.queue("event_received", event.organizer.email, _context(event))


def event_to_moderate(event: Event) -> None:
    """To every moderator: a new event waits in the queue."""
    context = {
        **_context(event),
        "admin_url": absolute_url(reverse("admin:events_event_change", args=[event.pk])),
    }
    for address in moderator_emails():
        mail.queue("event_to_moderate", address, context)


def event_approved(event: Event) -> None:
    """To the organizer: the event is public, here is its link."""
    mail.queue("event_approved", event.organizer.email, _context(event))


def event_rejected(event: Event, reason: str) -> None:
    """To the organizer: the event was not approved, and why."""
    mail.queue("event_rejected", event.organizer.email, {**_context(event), "reason": reason})


def event_unpublished(event: Event, reason: str) -> None:
    """To the organizer: the event is off the public pages while moderators look again."""
    mail.queue("event_unpublished", event.organizer.email, {**_context(event), "reason": reason})
