"""Organizers register and change their events."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods, require_safe

from allout import dates
from allout.models import Campaign
from allout.ratelimit import client_key, is_limited
from allout.risk import high_risk_countries
from allout.types import AuthenticatedHttpRequest
from events.access import get_event_for_organizer, verified_email_required
from events.errors import EventsError, HighRiskPlace
from events.finder import places
from events.forms.registration import EventForm, NewEventForm
from events.models import Event
from events.services import demand, registration

THANKS_FOR_REGISTERING = gettext_noop(
    "Thank you! Your event waits for a moderator; we emailed you the details."
)


def _render_form(request: HttpRequest, form: EventForm, event: Event | None = None):
    # A bound form that reaches here did not validate: answer 400, as for any bad input.
    status = 400 if form.is_bound else 200
    context: dict[str, object] = {"form": form, "event": event, "campaign": form.campaign}
    if event is None:
        context["demand"] = _demand_for(request, form)
    return render(request, "events/event_form.html", context, status=status)


def _demand_for(request: HttpRequest, form: EventForm) -> str:
    """Without JavaScript, the count near the place the organizer chose (once the form came
    back with it); the form's script asks events:demand as soon as a place is picked. Under
    the same limit per client as events:demand, which this would otherwise get around."""
    cleaned = getattr(form, "cleaned_data", None) or {}
    point = cleaned.get("point")
    if point is None:
        return ""
    limits = {"limit": demand.DEMAND_LIMIT, "period": demand.DEMAND_PERIOD}
    if is_limited("demand", client_key(request), **limits):
        return ""
    count = demand.demand_near(point)
    return demand.describe(count, cleaned.get("city", "")) if count is not None else ""


def _save_failed(form: EventForm, error: EventsError) -> None:
    if isinstance(error, HighRiskPlace):
        form.high_risk_country = error.country
    form.add_error(None, str(error))


def _warn_if_off_day(request: HttpRequest, form: EventForm) -> None:
    if form.off_day:
        messages.warning(
            request,
            _(
                "Your event is not on the day of action (%(day)s). That is fine if the day "
                "suits your city better."
            )
            % {"day": dates.day(form.campaign.date)},
        )


@verified_email_required
@require_http_methods(["GET", "HEAD", "POST"])
def new_event(request: AuthenticatedHttpRequest) -> HttpResponse:
    campaign = Campaign.objects.current()
    if campaign is None or campaign.is_over():
        return render(request, "events/registration_closed.html", {"campaign": campaign})
    data = request.POST if request.method == "POST" else None
    form = NewEventForm(data, campaign=campaign, request=request)
    if request.method == "POST" and form.is_valid():
        if form.trapped:  # a bot (allout.antibot): the usual thanks, nothing stored or sent
            messages.success(request, _(THANKS_FOR_REGISTERING))
            return redirect("events:mine")
        try:
            event = registration.register_event(request.user, form.details(), campaign=campaign)
        except EventsError as error:
            _save_failed(form, error)
        else:
            messages.success(request, _(THANKS_FOR_REGISTERING))
            _warn_if_off_day(request, form)
            return redirect(event)
    return _render_form(request, form)


@verified_email_required
@require_http_methods(["GET", "HEAD", "POST"])
def edit_event(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    event = get_event_for_organizer(request.user, slug)
    if not event.is_editable():
        messages.error(request, _("This event can no longer be changed."))
        return redirect(event)
    data = request.POST if request.method == "POST" else None
    form = EventForm(data, instance=event, campaign=event.campaign)
    if request.method == "POST" and form.is_valid():
        try:
            change = registration.update_event(event, request.user, form.details())
        except EventsError as error:
            _save_failed(form, error)
        else:
            messages.success(request, _("Your changes are saved."))
            if change.notified:
                messages.info(
                    request,
                    ngettext(
                        "We emailed the new time or place to the %(count)d confirmed participant.",
                        "We emailed the new time or place to the %(count)d confirmed participants.",
                        change.notified,
                    )
                    % {"count": change.notified},
                )
            _warn_if_off_day(request, form)
            return redirect(change.event)
    return _render_form(request, form, event)


@require_safe
@cache_control(max_age=3600, public=True)
def places_json(request: HttpRequest) -> JsonResponse:
    """Type-ahead for the city search: `?q=lon` → cities, largest first."""
    text = request.GET.get("q", "")[:120]
    high_risk = high_risk_countries()
    cities = [place for place in places.complete(text, limit=12) if place.kind == "city"][:8]
    results = [
        {
            "label": place.label,
            "name": place.name,
            "lat": round(place.lat, 6),
            "lng": round(place.lng, 6),
            "country": place.country,
            "high_risk": place.country in high_risk,
        }
        for place in cities
    ]
    return JsonResponse(results, safe=False)
