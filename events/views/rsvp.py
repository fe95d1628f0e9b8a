"""Signing up to attend, and the participant's own pages reached through signed links.

Links in emails only ever show a page; confirming and cancelling are POSTs from a button on
that page, because mail scanners open links.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from allout.ratelimit import ratelimit
from events import attendance_links as links
from events.access import get_event_for_viewer, get_event_to_rsvp
from events.errors import EventsError, RSVPClosed
from events.forms.rsvp import RSVPForm
from events.models import Attendance, Event
from events.services import rsvp as signups

# Sign-ups per client address (hashed) in ten minutes: enough for a family on one wifi.
RSVP_LIMIT, RSVP_PERIOD = 10, 600


def handle_rsvp(request: HttpRequest, event: Event) -> HttpResponse:
    """Take an RSVP POSTed to the event page or to its /rsvp/ address.

    Every accepted submission ends on the same "check your email" page, whether the address
    was new, waiting for confirmation or already confirmed: the form reveals nobody.
    """
    if not event.accepts_rsvps():
        return _closed(request, event)
    return _take_rsvp(request, event)


@ratelimit("rsvp", limit=RSVP_LIMIT, period=RSVP_PERIOD)
def _take_rsvp(request: HttpRequest, event: Event) -> HttpResponse:
    form = RSVPForm(request.POST, request=request)
    if not form.is_valid():
        # The page shows the event: all of it, not what the sign-up needed (get_event_to_rsvp).
        event = get_event_for_viewer(request.user, event.slug)
        context = {"event": event, "rsvp_form": form}
        return render(request, "events/attend_form.html", context, status=400)
    if form.trapped:  # a bot (allout.antibot): the usual answer, nothing stored or sent
        return redirect("events:rsvp_sent", slug=event.slug)
    try:
        signups.rsvp(event, **form.cleaned_data)
    except RSVPClosed:  # the event changed under us
        return _closed(request, event)
    return redirect("events:rsvp_sent", slug=event.slug)


def _closed(request: HttpRequest, event: Event) -> HttpResponse:
    event = get_event_for_viewer(request.user, event.slug)  # whole, as above
    return render(request, "events/attend_closed.html", {"event": event}, status=409)


@require_http_methods(["GET", "POST"])
def rsvp(request: HttpRequest, slug: str) -> HttpResponse:
    if request.method == "POST":
        return handle_rsvp(request, get_event_to_rsvp(request.user, slug))
    event = get_event_for_viewer(request.user, slug)
    if not event.accepts_rsvps():
        return _closed(request, event)
    context = {"event": event, "rsvp_form": RSVPForm(request=request)}
    return render(request, "events/attend_form.html", context)


@require_safe
def rsvp_sent(request: HttpRequest, slug: str) -> HttpResponse:
    event = get_event_for_viewer(request.user, slug)
    return render(request, "events/attend_sent.html", {"event": event})


def attendance_or_404(token: str, purpose: links.Purpose) -> Attendance:
    """The sign-up a link was signed for; 404 for a forged link or an erased sign-up."""
    pk = links.attendance_id(token, purpose)
    if pk is None:
        raise Http404(_("This link is not valid."))
    return get_object_or_404(Attendance.objects.current().select_related("event"), pk=pk)


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    attendance = attendance_or_404(token, links.Purpose.CONFIRM)
    if request.method == "POST":
        try:
            attendance = signups.confirm(attendance)
        except EventsError as exc:
            context = {"attendance": attendance, "event": attendance.event, "error": str(exc)}
            return render(request, "events/attend_confirm.html", context, status=409)
        messages.success(request, _("Thank you: you are on the list. See you there!"))
        return redirect(links.path(attendance, links.Purpose.VIEW))
    context = {"attendance": attendance, "event": attendance.event}
    if attendance.is_confirmed():
        context["attendance_path"] = links.path(attendance, links.Purpose.VIEW)
    return render(request, "events/attend_confirm.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def cancel(request: HttpRequest, token: str) -> HttpResponse:
    attendance = attendance_or_404(token, links.Purpose.CANCEL)
    context: dict[str, object] = {"attendance": attendance, "event": attendance.event}
    if request.method == "POST":
        try:
            attendance = signups.cancel(attendance)
        except EventsError as exc:
            context["error"] = str(exc)
            return render(request, "events/attend_cancel.html", context, status=409)
        return render(request, "events/attend_cancel.html", {**context, "attendance": attendance})
    return render(request, "events/attend_cancel.html", context)


@never_cache
@require_safe
def attendance(request: HttpRequest, token: str) -> HttpResponse:
    """The participant's view of their event, with the exact meeting point once confirmed."""
    attendance = attendance_or_404(token, links.Purpose.VIEW)
    event = attendance.event
    reveal = signups.reveals_exact_place(attendance) or not event.hide_exact_location
    # The pin, drawn on the public map's view ({% public_map_view %}); a hidden point that is
    # not yet revealed gets the public area only.
    pins = [[event.point.y, event.point.x, event.title, None, None]] if reveal else []
    context = {
        "attendance": attendance,
        "event": event,
        "going": signups.looks_confirmed(attendance),
        "reveal_place": reveal,
        "map_points": json.dumps(pins),
        "cancel_path": links.path(attendance, links.Purpose.CANCEL),
    }
    return render(request, "events/attend_event.html", context)
