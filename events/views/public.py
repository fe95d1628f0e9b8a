"""What everyone sees: the event page, its calendar file, and the abuse report form."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from allout import pages
from allout.links import absolute_url
from allout.ratelimit import ratelimit
from events import calendar
from events.access import (
    get_cancelled_event,
    get_event_for_viewer,
    get_event_to_rsvp,
    get_public_event,
    may_see_exact_place,
    page_name,
)
from events.finder import mapdata
from events.forms.public import AbuseReportForm
from events.models import Event
from events.services import moderation
from events.views.rsvp import handle_rsvp


def render_event_page(
    request: HttpRequest, event: Event, *, status: int = 200, **context
) -> HttpResponse:
    """The event page. Forms posted to it (the report form, and the RSVP form) re-render it with
    their bound form and errors through `context`."""
    viewer_is_organizer = request.user.is_authenticated and event.organizer_id == request.user.pk
    latest_decision = None
    if not event.is_public() and (viewer_is_organizer or request.user.is_staff):
        latest_decision = event.moderation_actions.first()
    context = {
        "event": event,
        "viewer_is_organizer": viewer_is_organizer,
        "can_see_exact_place": event.hide_exact_location and may_see_exact_place(request, event),
        "latest_decision": latest_decision,
        "share_url": absolute_url(event.get_absolute_url()),
        "google_calendar_url": calendar.google_calendar_url(event),
        "outlook_calendar_url": calendar.outlook_calendar_url(event),
        "report_form": AbuseReportForm(request=request),
        # What the {% cache %} fragments (the forms' fields, the description) are keyed on:
        # the version any saved event bumps (events.finder.mapdata).
        "cache_version": mapdata.version(),
        **context,
    }
    return render(request, "events/event_detail.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def event_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The event page; an RSVP may be POSTed to it (SPEC) as well as to its /rsvp/ URL.

    Once cancelled, it says so to everyone but the organizer and staff (410 Gone: the
    address lives on in posts and on flyers), and shows nothing else.
    """
    if request.method != "POST":
        key = pages.page_key(request, page_name(slug))
        return pages.cached_page(request, key, lambda: _page(request, slug))
    try:
        # An RSVP needs the event without its points (see get_event_to_rsvp).
        event = get_event_to_rsvp(request.user, slug)
    except Http404:
        return _cancelled(request, slug)
    return handle_rsvp(request, event)


def _page(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        event = get_event_for_viewer(request.user, slug)
    except Http404:
        return _cancelled(request, slug)
    return render_event_page(request, event)


def _cancelled(request: HttpRequest, slug: str) -> HttpResponse:
    event = get_cancelled_event(slug)
    return render(request, "events/event_cancelled.html", {"event": event}, status=410)


@require_safe
def event_calendar(request: HttpRequest, slug: str) -> HttpResponse:
    """An .ics file of the event (events.calendar.entry: local times with their VTIMEZONE,
    only the public location, the description as plain text)."""
    event = get_event_for_viewer(request.user, slug)
    response = HttpResponse(calendar.ics([event]), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{event.slug}.ics"'
    return response


@require_POST
@ratelimit("event-report", limit=5, period=3600)
def report_event(request: HttpRequest, slug: str) -> HttpResponse:
    event = get_public_event(slug)
    form = AbuseReportForm(request.POST, request=request)
    if not form.is_valid():
        return render_event_page(request, event, status=400, report_form=form, report_open=True)
    if not form.trapped:  # a bot (allout.antibot) gets the thanks, and nothing is kept
        moderation.report_event(event, form.cleaned_data["reason"], form.cleaned_data["text"])
    messages.success(
        request, _("Thank you for telling us. A moderator will look at this event soon.")
    )
    return redirect(event)
