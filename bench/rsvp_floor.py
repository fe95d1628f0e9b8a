"""The floor for the RSVP benchmark: the least a Django view can do to take a sign-up.

It validates a form and INSERTs one row into the same table as the real RSVP view, and
nothing else: no event lookup, no duplicate check, no rate limit, no CSRF, no email.
"""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from events.models import Attendance


class FloorForm(forms.ModelForm):
    class Meta:
        model = Attendance
        fields = ["first_name", "email", "consent_organizer"]


@csrf_exempt
@require_POST
def floor(request: HttpRequest, event_id: int) -> HttpResponse:
    form = FloorForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest()
    attendance = form.save(commit=False)
    attendance.event_id = event_id
    attendance.save()  # Attendance.save() sets the canonical address, as the real view's does
    return HttpResponse(status=204)
