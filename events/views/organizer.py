"""The organizer's dashboard: their events, participants, messages, cancelling, the outcome.

Participants' names and emails are for the event's organizer, and for staff who hold the power
and gave their second factor in this session: every view here gets its event from its own
helper in events.access, which logs such staff access and answers 404 to anyone else (the same
answer as for an event that does not exist, so nobody learns which exist).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from allout.spreadsheets import streamed_csv
from allout.types import AuthenticatedHttpRequest
from events import cohost_links, toolkit
from events.access import (
    MODERATE,
    get_event_for_organizer,
    get_event_for_outcome,
    get_event_for_participants,
    get_event_for_participants_csv,
    get_event_to_cancel,
    get_event_to_message,
    is_cohost,
    staff_may,
)
from events.errors import EventsError, InvitationInvalid, MessageLimitReached
from events.forms.organizer import (
    CancelEventForm,
    InviteCoHostForm,
    OrganizerMessageForm,
    OutcomeForm,
)
from events.models import Attendance, Event
from events.services import cohosts, demand, organizer

T = TypeVar("T")


@login_required
@require_safe
def mine(request: AuthenticatedHttpRequest) -> HttpResponse:
    events = (
        Event.objects.hosted_by(request.user)
        .only(
            "title",
            "slug",
            "status",
            "starts_at",
            "ends_at",
            "timezone",
            "participant_count",
            "organizer",
        )
        .order_by("-starts_at")
    )
    return render(request, "events/dashboard_list.html", {"events": events})


@never_cache
@login_required
@require_safe
def event_dashboard(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    event = get_event_for_participants(request, slug)
    viewer_is_organizer = event.organizer_id == request.user.pk
    viewer_is_cohost = not viewer_is_organizer and is_cohost(request.user, event)
    participants = event.attendances.confirmed().only(
        "event", "first_name", "email", "consent_organizer", "confirmed_at"
    )
    context = {
        "event": event,
        "participants": participants,
        "waiting": event.attendances.current().filter(status=Attendance.Status.UNCONFIRMED).count(),
        "sent_messages": event.organizer_messages.all()[:10],
        "messages_left": organizer.messages_left_today(event),
        "retention_days": settings.PARTICIPANT_RETENTION_DAYS,
        "viewer_is_organizer": viewer_is_organizer,
        "viewer_is_cohost": viewer_is_cohost,
        # Staff who may see the list may not always message or cancel: offer what they may.
        "may_moderate": viewer_is_organizer or viewer_is_cohost or staff_may(request, MODERATE),
        # Cancelling is the organizer's (and moderators'), never a co-host's.
        "may_cancel": viewer_is_organizer or staff_may(request, MODERATE),
        "default_paper": toolkit.default_paper(event),
        # People near it who want protests, as a count from DEMAND_MINIMUM up: never who.
        "demand": demand.demand_near(event.public_point, excluding=event),
    }
    return render(request, "events/dashboard_event.html", context)


@never_cache
@login_required
@require_safe
def participants_csv(request: AuthenticatedHttpRequest, slug: str) -> StreamingHttpResponse:
    event = get_event_for_participants_csv(request, slug)
    header = [
        _("First name"),
        _("Email"),
        _("May be contacted by the organizer"),
        _("Confirmed at"),
    ]
    attendances = event.attendances.confirmed().only(
        "event", "first_name", "email", "consent_organizer", "confirmed_at"
    )
    rows = (
        (
            a.first_name,
            a.email,
            _("yes") if a.consent_organizer else _("no"),
            a.confirmed_at.isoformat() if a.confirmed_at else "",
        )
        for a in attendances.iterator(chunk_size=500)
    )
    return streamed_csv(f"participants-{event.slug}.csv", header, rows)


def _submit(form: forms.BaseForm, action: Callable[[dict[str, Any]], T]) -> tuple[T | None, int]:
    """Run `action` on a valid POSTed form: (its result, 200); else (None, the status to
    answer the form with), the broken rule shown on the form."""
    if not form.is_bound:
        return None, 200
    if not form.is_valid():
        return None, 400
    try:
        return action(form.cleaned_data), 200
    except EventsError as exc:
        form.add_error(None, str(exc))
        return None, 429 if isinstance(exc, MessageLimitReached) else 409


@login_required
@require_http_methods(["GET", "POST"])
def message(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    event = get_event_to_message(request, slug)
    form = OrganizerMessageForm(request.POST or None)
    sent, status = _submit(
        form,
        lambda data: organizer.message_participants(
            event, request.user, subject=data["subject"], body=data["body"]
        ),
    )
    if sent is not None:
        messages.success(
            request,
            ngettext(
                "Your message is on its way to %(count)d participant.",
                "Your message is on its way to %(count)d participants.",
                sent.recipients,
            )
            % {"count": sent.recipients},
        )
        return redirect("events:dashboard_event", slug=event.slug)
    context = {
        "event": event,
        "form": form,
        "messages_left": organizer.messages_left_today(event),
        "recipients": event.attendances.confirmed().count(),
    }
    return render(request, "events/dashboard_message.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def cancel_event(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    event = get_event_to_cancel(request, slug)
    form = CancelEventForm(request.POST or None)
    told, status = _submit(
        form, lambda data: organizer.cancel_event(event, request.user, note=data["note"])
    )
    if told is not None:
        messages.success(
            request,
            ngettext(
                "The event is cancelled. We are telling the %(count)d person who signed up.",
                "The event is cancelled. We are telling %(count)d people who signed up.",
                told,
            )
            % {"count": told},
        )
        return redirect("events:dashboard_event", slug=event.slug)
    context = {"event": event, "form": form}
    return render(request, "events/dashboard_cancel.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def outcome(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """After the day: how many came, a sentence, optionally a photo (shown on the event page)."""
    event = get_event_for_outcome(request, slug)
    if not event.accepts_outcome():
        return render(request, "events/dashboard_outcome.html", {"event": event}, status=409)
    form = OutcomeForm(request.POST or None, request.FILES or None, instance=event)
    if request.method == "POST" and form.is_valid():
        organizer.save_outcome(
            event,
            request.user,
            turnout=form.cleaned_data["turnout"],
            text=form.cleaned_data["report_text"],
            photo=form.cleaned_data["photo"],
            remove_photo=form.cleaned_data.get("remove_photo", False),
        )
        messages.success(request, _("Thank you! How it went is now on the event page."))
        return redirect("events:dashboard_event", slug=event.slug)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "events/dashboard_outcome.html", {"event": event, "form": form}, status=status
    )


# --- Co-hosts (events.services.cohosts) ------------------------------------------------------
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def cohost_list(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The organizer's co-hosts and open invitations, and the form to invite one more."""
    event = get_event_for_organizer(request.user, slug)
    form = InviteCoHostForm(request.POST or None)
    invited, status = _submit(form, lambda data: cohosts.invite(event, request.user, data["email"]))
    if invited is not None:
        # The same words whether or not the address has an account (SPEC).
        messages.success(request, _("If they have a verified account, they'll get an invitation."))
        return redirect("events:cohosts", slug=event.slug)
    context = {
        "event": event,
        "form": form,
        "cohosts": event.cohosts.live().select_related("user"),
        "days": cohost_links.INVITATION_DAYS,
    }
    return render(request, "events/dashboard_cohosts.html", context, status=status)


@login_required
@require_POST
def cohost_remove(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    event = get_event_for_organizer(request.user, slug)
    try:
        removed = cohosts.remove(event, request.user, pk)
    except EventsError as exc:
        messages.error(request, str(exc))
    else:
        if removed.accepted_at:
            messages.success(request, _("The co-host is removed. They no longer see this event."))
        else:
            messages.success(request, _("The invitation is withdrawn."))
    return redirect("events:cohosts", slug=event.slug)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def cohost_accept(request: AuthenticatedHttpRequest, token: str) -> HttpResponse:
    """The link in an invitation: a page with an Accept button, which POSTs here."""
    try:
        if request.method == "POST":
            cohost = cohosts.accept(token, request.user)
            messages.success(request, _("You now co-host this event."))
            return redirect("events:dashboard_event", slug=cohost.event.slug)
        cohost = cohosts.invitation_for(token, request.user)
    except InvitationInvalid as exc:
        context = {"problem": str(exc)}
        return render(request, "events/cohost_accept.html", context, status=exc.status)
    return render(request, "events/cohost_accept.html", {"event": cohost.event})
