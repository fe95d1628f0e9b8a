"""Who may see or change an event: one helper per use, each returning the event or a 404.

A 404 (not a 403) for events the user may not see: a pending event's slug reveals nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser, User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from allout import cache as versions
from allout.accounts import passed_two_factor
from allout.types import AuthenticatedHttpRequest
from events.finder import mapdata
from events.models import CoHost, Event, StaffAccess
from events.services.registration import has_verified_email


def page_name(slug: str) -> str:
    """What the event page is cached under for visitors with no session (allout.pages)."""
    return f"event:{slug}"


def get_event_for_viewer(user: User | AnonymousUser, slug: str) -> Event:
    """The event page: approved events for everyone, any status for its organizer and staff."""
    events = Event.objects.visible_to(user).select_related("campaign", "embassy")
    return get_object_or_404(events, slug=slug)


# What taking an RSVP reads of its event: whether it takes sign-ups (status, end, country),
# its page's address and its title (the confirmation's subject). The worker loads the whole
# row again to write the email's bodies.
RSVP_FIELDS = ("slug", "status", "ends_at", "country", "title")


def get_event_to_rsvp(user: User | AnonymousUser, slug: str) -> Event:
    """The event an RSVP is POSTed to, for the same viewers as get_event_for_viewer.

    Only the columns the sign-up reads (RSVP_FIELDS): building the query for the whole row
    with its campaign, and the GEOS objects of its points, cost a third of an RSVP's CPU
    (bench/README.md). A page that shows the event after all (the form with its errors, "no
    longer taking sign-ups") loads it whole with get_event_for_viewer.

    For a visitor who is not logged in (nearly every sign-up), from the cache under the
    map's version, which every saved public event (one approved, or approved until this
    save) and every change of the high-risk list bump: a cancelled or unpublished event
    stops taking sign-ups at once. A slug with no public event is not kept.
    """
    if user.is_authenticated:
        return get_object_or_404(Event.objects.visible_to(user).only(*RSVP_FIELDS), slug=slug)
    event = versions.versioned(
        mapdata.VERSION,
        f"events:rsvp:{slug}",
        # Built only when needed: building the query costs more than the cache's answer.
        lambda: Event.objects.approved().only(*RSVP_FIELDS).filter(slug=slug).first(),
        timeout=RSVP_EVENT_SECONDS,
    )
    if event is None:
        raise Http404
    return event


# How long an event kept for sign-ups lasts when nothing changes it (a change drops it, if
# Redis takes the new version: when it does not, the event stops taking sign-ups this long
# after it was taken down, at most).
RSVP_EVENT_SECONDS = 60


def get_cancelled_event(slug: str) -> Event:
    """A cancelled event that was public when it was cancelled (see
    EventQuerySet.cancelled_after_approval)."""
    return get_object_or_404(Event.objects.cancelled_after_approval(), slug=slug)


def get_public_event(slug: str) -> Event:
    """An approved event, whoever asks (reports, messages to the organizer)."""
    events = Event.objects.approved().select_related("campaign", "organizer")
    return get_object_or_404(events, slug=slug)


def get_event_for_organizer(user: User | AnonymousUser, slug: str) -> Event:
    """The organizer's own event, to change or manage. Staff use the admin instead.

    The organizer alone, never a co-host: editing (the time, the place, whether the point
    is hidden, the display name), cancelling, and choosing the co-hosts.
    """
    if not user.is_authenticated:
        raise Http404
    events = Event.objects.filter(organizer=user).select_related("campaign", "embassy")
    return get_object_or_404(events, slug=slug)


def is_cohost(user: User | AnonymousUser, event: Event) -> bool:
    """Whether `user` co-hosts `event` now: accepted, not removed, and the event still
    shared (Event.shares_dashboard). Asked afresh on every request, so a removal or a
    cancellation takes effect on the co-host's next click."""
    if not user.is_authenticated or not event.shares_dashboard():
        return False
    return CoHost.objects.active().filter(event=event, user=user).exists()


# Staff reach another organizer's tools only with the permission that names the power and a
# second factor given in this session (SPEC: participants can be prosecuted for taking part).
MODERATE = "events.moderate_event"
VIEW_PARTICIPANTS = "events.view_participants"


def staff_may(request: HttpRequest, permission: str) -> bool:
    """Whether the staff member in this session may use `permission` on anyone's event."""
    user = request.user
    return (
        user.is_authenticated
        and user.is_staff
        and user.has_perm(permission)
        and passed_two_factor(request)
    )


def _get_organizer_tool(
    request: HttpRequest,
    slug: str,
    permission: str,
    what: StaffAccess.What,
    *,
    cohosts: bool = True,
) -> Event:
    """The event for its organizer, and its co-hosts where `cohosts`; for staff who may,
    the event and a line in its log."""
    user = request.user
    if not user.is_authenticated:
        raise Http404
    event = get_object_or_404(Event.objects.select_related("campaign", "embassy"), slug=slug)
    if event.organizer_id == user.pk or (cohosts and is_cohost(user, event)):
        return event
    if not staff_may(request, permission):
        raise Http404
    StaffAccess.objects.create(
        event=event, actor=user, what=what, submitted=request.method == "POST"
    )
    return event


def get_event_for_participants(request: HttpRequest, slug: str) -> Event:
    """The dashboard, with names and emails: the organizer and co-hosts, or staff who may
    see participants."""
    return _get_organizer_tool(request, slug, VIEW_PARTICIPANTS, StaffAccess.What.PARTICIPANTS)


def get_event_for_participants_csv(request: HttpRequest, slug: str) -> Event:
    """The participant list as a file: the same people as the dashboard."""
    what = StaffAccess.What.PARTICIPANTS_CSV
    return _get_organizer_tool(request, slug, VIEW_PARTICIPANTS, what)


def get_event_to_message(request: HttpRequest, slug: str) -> Event:
    """Writing to the participants: the organizer and co-hosts, or moderators."""
    return _get_organizer_tool(request, slug, MODERATE, StaffAccess.What.MESSAGE)


def get_event_to_cancel(request: HttpRequest, slug: str) -> Event:
    """Cancelling and telling everyone: the organizer (never a co-host), or moderators."""
    return _get_organizer_tool(request, slug, MODERATE, StaffAccess.What.CANCEL, cohosts=False)


def get_event_for_outcome(request: HttpRequest, slug: str) -> Event:
    """What the public page says happened: the organizer and co-hosts, or moderators."""
    return _get_organizer_tool(request, slug, MODERATE, StaffAccess.What.OUTCOME)


def get_event_for_toolkit(request: HttpRequest, slug: str) -> Event:
    """The poster and the share image: the organizer and co-hosts, or moderators. Only
    public facts, but of an event that may not be public yet."""
    return _get_organizer_tool(request, slug, MODERATE, StaffAccess.What.TOOLKIT)


def may_see_exact_place(request: HttpRequest, event: Event) -> bool:
    """A hidden meeting point on the public page: its organizer, and staff with two-factor
    verified who moderate or may see participants (confirmed participants see it on their
    own signed page)."""
    user = request.user
    if user.is_authenticated and event.organizer_id == user.pk:
        return True
    return staff_may(request, MODERATE) or staff_may(request, VIEW_PARTICIPANTS)


def verified_email_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Log in first; then, without a confirmed email address, a page that says what to do."""

    @wraps(view)
    def wrapped(request: AuthenticatedHttpRequest, *args, **kwargs) -> HttpResponse:
        if not has_verified_email(request.user):
            return render(request, "events/verify_email.html", status=403)
        return view(request, *args, **kwargs)

    return login_required(wrapped)
