"""The floor for the signing benchmark: the least a Django view can do to take a signature.

It validates a form and INSERTs one row into the same table as the real sign view, and
nothing else: no petition lookup, no duplicate check, no rate limit, no CSRF, no email.
"""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from petitions.models import Signature


class FloorForm(forms.ModelForm):
    class Meta:
        model = Signature
        fields = ["first_name", "last_name", "email", "country", "postcode"]


@csrf_exempt
@require_POST
def floor(request: HttpRequest, petition_id: int) -> HttpResponse:
    form = FloorForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest()
    signature = form.save(commit=False)
    signature.petition_id = petition_id
    signature.email_normalized = signature.email.lower()
    signature.save()
    return HttpResponse(status=204)
