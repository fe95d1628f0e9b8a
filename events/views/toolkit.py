"""The organizer's toolkit: the poster, the share image, and the guidelines to print.

The poster and the image hold public facts only (events.toolkit), but of an event that may not
be public yet: they come through events.access like the rest of the dashboard (the organizer,
or moderators, logged), and only once the event is approved, since their QR code leads to a
page that answers 404 before.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from allout.links import absolute_url
from allout.risk import high_risk_countries
from allout.types import AuthenticatedHttpRequest
from events import toolkit
from events.access import get_event_for_toolkit
from events.models import Event


def _approved_event(request: AuthenticatedHttpRequest, slug: str) -> Event:
    event = get_event_for_toolkit(request, slug)
    # Nor in a high-risk country: its page is shown to no one (SPEC), and a poster would
    # send people to it in the street.
    if not event.is_public() or event.country.code in high_risk_countries():
        raise Http404
    return event


def _file(content: bytes, content_type: str, filename: str, *, attachment: bool) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(attachment, filename) or ""
    return response


@never_cache
@login_required
@require_safe
def poster(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The poster as a PDF: GET `paper` is "a4" or "letter", else what the country uses."""
    event = _approved_event(request, slug)
    paper = request.GET.get("paper", "")
    if paper not in toolkit.PAPER_SIZES:
        paper = toolkit.default_paper(event)
    content = toolkit.poster_pdf(event, paper)
    return _file(content, "application/pdf", f"poster-{event.slug}-{paper}.pdf", attachment=False)


@never_cache
@login_required
@require_safe
def share_image(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The square image for social media, as a PNG to download."""
    event = _approved_event(request, slug)
    content = toolkit.share_image_png(event)
    return _file(content, "image/png", f"share-{event.slug}.png", attachment=True)


@require_safe
def guidelines(request: HttpRequest) -> HttpResponse:
    """The safety and non-violence guidelines, on a page made to be printed and handed out."""
    page_url = absolute_url(request.path)
    return render(request, "events/guidelines.html", {"page_url": page_url})
