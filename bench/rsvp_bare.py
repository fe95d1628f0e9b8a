"""A bare RSVP for bench/rsvp_signing.py --bare: what any sign-up view must do, and no more.

It checks CSRF, reads the event from the cache as the real view does (it must exist and
take sign-ups), validates the two fields, stores the row with its canonical address (a
repeat stores nothing and is no error) and redirects to "check your email". It has none of
the guarantees the real view adds: no rate limit, no anti-bot check, no confirmation email
(no outbox row, no mail budget, nothing for the relay). Measured beside the floor and the
real view, it splits the real view's cost into what a sign-up needs and what the
guarantees cost. Mounted by bench/urls.py only.
"""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from allout.addresses import canonical_email
from allout.i18n import current_language
from allout.rows import insert_new
from events.access import get_event_to_rsvp
from events.models import Attendance


class BareForm(forms.ModelForm):
    class Meta:
        model = Attendance
        fields = ["first_name", "email", "consent_organizer"]


@require_POST
def bare(request: HttpRequest, slug: str) -> HttpResponse:
    event = get_event_to_rsvp(request.user, slug)
    if not event.accepts_rsvps():
        return HttpResponse(status=409)
    form = BareForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest()
    attendance = form.save(commit=False)
    attendance.event = event
    attendance.email_normalized = canonical_email(attendance.email)
    attendance.language = current_language()
    insert_new(attendance)
    return redirect("events:rsvp_sent", slug=event.slug)
