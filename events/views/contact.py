"""Writing to an organizer without learning their address: the platform relays the message."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from allout.ratelimit import ratelimit
from events import emails
from events.access import get_public_event
from events.forms.public import ContactForm
from events.models import Event

# Per client address (hashed) an hour, and per event an hour so a crowd of clients cannot
# bury one organizer either.
CONTACT_LIMIT, CONTACT_EVENT_LIMIT, CONTACT_PERIOD = 5, 30, 3600


@require_http_methods(["GET", "POST"])
def contact(request: HttpRequest, slug: str) -> HttpResponse:
    event = get_public_event(slug)
    form = ContactForm(request.POST or None, request=request)
    if request.method == "GET":
        return render(request, "events/contact.html", {"event": event, "form": form})
    return _relay(request, event, form)


# The client's limit first: a client over it adds nothing to the event's count.
@ratelimit("contact", limit=CONTACT_LIMIT, period=CONTACT_PERIOD)
@ratelimit(
    "contact-event",
    limit=CONTACT_EVENT_LIMIT,
    period=CONTACT_PERIOD,
    key=lambda request, event, form: str(event.pk),
)
def _relay(request: HttpRequest, event: Event, form: ContactForm) -> HttpResponse:
    if not form.is_valid():
        return render(request, "events/contact.html", {"event": event, "form": form}, status=400)
    if form.trapped:  # a bot (allout.antibot): the usual answer, nothing sent
        return redirect("events:contact_sent", slug=event.slug)
    with transaction.atomic():
        emails.contact_relay(event, **form.cleaned_data)
    return redirect("events:contact_sent", slug=event.slug)


@require_safe
def contact_sent(request: HttpRequest, slug: str) -> HttpResponse:
    return render(request, "events/contact_sent.html", {"event": get_public_event(slug)})
