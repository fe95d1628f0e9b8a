from django.urls import path

from events.views import public, registration

app_name = "events"

# Fixed paths first: `<slug>/` would swallow them. The finder (`""`, `nearby.json`,
# `map.geojson`, `recap/`) and the organizer dashboard (`mine/`) are added here by their own
# work, above the slug routes; events.services.RESERVED_SLUGS keeps slugs off these words.
urlpatterns = [
    path("new/", registration.new_event, name="new"),
    path("places.json", registration.places_json, name="places"),
    path("<slug:slug>/", public.event_detail, name="detail"),
    path("<slug:slug>/edit/", registration.edit_event, name="edit"),
    path("<slug:slug>/calendar.ics", public.event_calendar, name="calendar"),
    path("<slug:slug>/report/", public.report_event, name="report"),
]
