"""Protest alerts: asking to hear of protests near a place, confirming, stopping; and the
demand count the event form asks for.

Every accepted request for an alert ends on the same "check your email" page, whether the
address was new, waiting or confirmed. The links in the emails only show a page: confirming
and unsubscribing are POSTs from its button, because mail scanners open links.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.geos import Point
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from allout.models import Campaign
from allout.ratelimit import ratelimit
from events import alert_links as links
from events.forms.alerts import AlertForm
from events.models import ProtestAlert
from events.services import alerts, demand

# Requests per client address (hashed) in ten minutes, as for RSVPs.
ALERT_LIMIT, ALERT_PERIOD = 10, 600


@require_http_methods(["GET", "POST"])
def alert_new(request: HttpRequest) -> HttpResponse:
    campaign = Campaign.objects.current()
    if campaign is None or campaign.is_over():
        raise Http404(_("There is no day of action to hear about."))
    if request.method == "POST":
        return _take_alert(request, campaign)
    initial = {"place": request.GET.get("place", "")[:120]}
    return _form_page(request, AlertForm(request=request, initial=initial))


def _form_page(request: HttpRequest, form: AlertForm, status: int = 200) -> HttpResponse:
    context = {"form": form, "retention_days": settings.PARTICIPANT_RETENTION_DAYS}
    return render(request, "events/alert_form.html", context, status=status)


@ratelimit("alert", limit=ALERT_LIMIT, period=ALERT_PERIOD)
def _take_alert(request: HttpRequest, campaign: Campaign) -> HttpResponse:
    form = AlertForm(request.POST, request=request)
    if not form.is_valid():
        return _form_page(request, form, status=400)
    if form.trapped:  # a bot (allout.antibot): the usual answer, nothing stored or sent
        return redirect("events:alert_sent")
    data = form.cleaned_data
    alerts.subscribe(
        campaign,
        data["place"],
        radius_km=data["radius_km"],
        first_name=data["first_name"],
        email=data["email"],
    )
    return redirect("events:alert_sent")


@require_safe
def alert_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "events/alert_sent.html")


def alert_or_404(token: str, purpose: links.Purpose) -> ProtestAlert:
    """The alert a link was signed for; 404 for a forged link or a deleted alert."""
    pk = links.alert_id(token, purpose)
    if pk is None:
        raise Http404(_("This link is not valid."))
    return get_object_or_404(ProtestAlert, pk=pk)


@never_cache
@require_http_methods(["GET", "POST"])
def alert_confirm(request: HttpRequest, token: str) -> HttpResponse:
    alert = alert_or_404(token, links.Purpose.CONFIRM)
    if request.method == "POST":
        alert = alerts.confirm(alert)
    return render(request, "events/alert_confirm.html", {"alert": alert})


# The signed token is the capability: a forged cross-site request would need the token,
# which unsubscribes anyway; and a mail client's one-click POST (RFC 8058) carries no CSRF
# token: the alert emails say so (List-Unsubscribe-Post, allout.mail.queue's one_click).
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def alert_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    pk = links.alert_id(token, links.Purpose.UNSUBSCRIBE)
    if pk is None:
        raise Http404(_("This link is not valid."))
    if request.method == "POST":
        # Done, whether or not it was still there: a second press says the same.
        alerts.unsubscribe(pk)
        return render(request, "events/alert_unsubscribe.html", {"done": True})
    alert = get_object_or_404(ProtestAlert, pk=pk)
    return render(request, "events/alert_unsubscribe.html", {"alert": alert})


@require_safe
@ratelimit(
    "demand", limit=demand.DEMAND_LIMIT, period=demand.DEMAND_PERIOD, methods=("GET", "HEAD")
)
def demand_json(request: HttpRequest) -> JsonResponse:
    """`{"count": N, "text": ...}`: people near `lat`/`lng`, for the event form's script; N is
    null (and the text empty) under the minimum. `place` names the place in the text."""
    try:
        lat, lng = float(request.GET["lat"]), float(request.GET["lng"])
    except (KeyError, ValueError):
        return JsonResponse({"error": "lat and lng are required numbers"}, status=400)
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        return JsonResponse({"error": "lat or lng out of range"}, status=400)
    count = demand.demand_near(Point(lng, lat, srid=4326))
    place = request.GET.get("place", "")[:120]
    text = demand.describe(count, place) if count is not None else ""
    response = JsonResponse({"count": count, "text": text, "radius_km": demand.DEMAND_RADIUS_KM})
    response["Cache-Control"] = "private, max-age=60"
    return response
