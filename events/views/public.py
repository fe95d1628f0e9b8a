# TEMPORARY (branch `participation`): a stand-in for the real event page from the events
# work, just enough to show the RSVP box. The integrator keeps the real file.
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from events.views.attendance import handle_rsvp, visible_event_or_404


@require_http_methods(["GET", "POST"])
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    event = visible_event_or_404(request, slug)
    if request.method == "POST":
        return handle_rsvp(request, event)
    return render(request, "events/detail.html", {"event": event})
