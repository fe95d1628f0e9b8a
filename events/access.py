"""Who may see or change an event: one helper per use, each returning the event or a 404.

A 404 (not a 403) for events the user may not see: a pending event's slug reveals nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render

from allout.risk import high_risk_countries
from allout.types import AuthenticatedHttpRequest
from events.models import Event, ModerationAction
from events.services.registration import has_verified_email


def get_event_for_viewer(user: User | AnonymousUser, slug: str) -> Event:
    """The event page: approved events for everyone, any status for its organizer and staff."""
    events = Event.objects.visible_to(user).select_related("campaign", "embassy")
    return get_object_or_404(events, slug=slug)


def get_cancelled_event(slug: str) -> Event:
    """A cancelled event that was public when it was cancelled: its address is on flyers and
    in posts.

    Not one that staff unpublished since its last approval (it was pending when its organizer
    cancelled it): staff took it down, and its organizer's note must not bring it back.
    """
    unpublished = ModerationAction.objects.filter(
        event=OuterRef("pk"),
        action=ModerationAction.Action.UNPUBLISH,
        created_at__gt=OuterRef("approved_at"),
    )
    events = Event.objects.filter(status=Event.Status.CANCELLED, approved_at__isnull=False)
    events = events.exclude(Exists(unpublished)).exclude(country__in=high_risk_countries())
    return get_object_or_404(events, slug=slug)


def get_public_event(slug: str) -> Event:
    """An approved event, whoever asks (reports, messages to the organizer)."""
    events = Event.objects.approved().select_related("campaign", "organizer")
    return get_object_or_404(events, slug=slug)


def get_event_for_organizer(user: User | AnonymousUser, slug: str) -> Event:
    """The organizer's own event, to change or manage. Staff use the admin instead."""
    if not user.is_authenticated:
        raise Http404
    events = Event.objects.filter(organizer=user).select_related("campaign", "embassy")
    return get_object_or_404(events, slug=slug)


def get_event_for_dashboard(user: User | AnonymousUser, slug: str) -> Event:
    """The organizer's own event, with its participants: only the organizer and staff."""
    if not user.is_authenticated:
        raise Http404
    events = Event.objects.all() if user.is_staff else Event.objects.filter(organizer=user)
    return get_object_or_404(events, slug=slug)


def verified_email_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Log in first; then, without a confirmed email address, a page that says what to do."""

    @wraps(view)
    def wrapped(request: AuthenticatedHttpRequest, *args, **kwargs) -> HttpResponse:
        if not has_verified_email(request.user):
            return render(request, "events/verify_email.html", status=403)
        return view(request, *args, **kwargs)

    return login_required(wrapped)
