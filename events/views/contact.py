"""Writing to an organizer without learning their address: the platform relays the message."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from allout.ratelimit import count_hit, ratelimit
from events import emails
from events.access import get_public_event
from events.forms.public import ContactForm
from events.models import Event

# Messages per client address (hashed) an hour. There is no limit per event: a stranger
# with many addresses could then close an event's form for everyone. An unusual number of
# messages to one event (CONTACT_BURST_PER_HOUR) alerts the moderators instead, once an hour.
CONTACT_LIMIT, CONTACT_PERIOD = 5, 3600


@require_http_methods(["GET", "POST"])
def contact(request: HttpRequest, slug: str) -> HttpResponse:
    event = get_public_event(slug)
    form = ContactForm(request.POST or None, request=request)
    if request.method == "GET":
        return render(request, "events/contact.html", {"event": event, "form": form})
    return _relay(request, event, form)


@ratelimit("contact", limit=CONTACT_LIMIT, period=CONTACT_PERIOD)
def _relay(request: HttpRequest, event: Event, form: ContactForm) -> HttpResponse:
    if not form.is_valid():
        return render(request, "events/contact.html", {"event": event, "form": form}, status=400)
    if form.trapped:  # a bot (allout.antibot): the usual answer, nothing sent
        return redirect("events:contact_sent", slug=event.slug)
    received = count_hit("contact-event", str(event.pk), period=CONTACT_PERIOD)
    with transaction.atomic():
        emails.contact_relay(event, **form.cleaned_data)
        # Exactly at the crossing: one alert per burst, however long it goes on.
        if received == settings.CONTACT_BURST_PER_HOUR + 1:
            emails.contact_burst(event, received=received)
    return redirect("events:contact_sent", slug=event.slug)


@require_safe
def contact_sent(request: HttpRequest, slug: str) -> HttpResponse:
    return render(request, "events/contact_sent.html", {"event": get_public_event(slug)})
