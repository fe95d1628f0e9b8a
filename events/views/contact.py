"""Writing to an organizer without learning their address: the platform relays the message."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from allout.ratelimit import client_key, is_limited
from events import emails
from events.access import get_public_event
from events.forms.public import ContactForm

# Per client address (hashed) an hour, and per event an hour so a crowd of clients cannot
# bury one organizer either.
CONTACT_LIMIT, CONTACT_EVENT_LIMIT, CONTACT_PERIOD = 5, 30, 3600


@require_http_methods(["GET", "POST"])
def contact(request: HttpRequest, slug: str) -> HttpResponse:
    event = get_public_event(slug)
    form = ContactForm(request.POST or None)
    if request.method == "GET":
        return render(request, "events/contact.html", {"event": event, "form": form})
    limited = is_limited(
        "contact", client_key(request), limit=CONTACT_LIMIT, period=CONTACT_PERIOD
    ) or is_limited(
        "contact-event", str(event.pk), limit=CONTACT_EVENT_LIMIT, period=CONTACT_PERIOD
    )
    if limited:
        return render(request, "429.html", status=429)
    if not form.is_valid():
        return render(request, "events/contact.html", {"event": event, "form": form}, status=400)
    with transaction.atomic():
        emails.contact_relay(event, **form.cleaned_data)
    return redirect("events:contact_sent", slug=event.slug)


@require_safe
def contact_sent(request: HttpRequest, slug: str) -> HttpResponse:
    return render(request, "events/contact_sent.html", {"event": get_public_event(slug)})
