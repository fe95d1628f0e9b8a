"""After the day: every city that took part, on a map and in a list."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from allout.models import Campaign


@require_safe
def recap(request: HttpRequest) -> HttpResponse:
    campaign = Campaign.objects.current()
    return render(request, "events/recap.html", {"campaign": campaign})
