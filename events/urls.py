from django.urls import include, path

from events.views import finder, public, registration

app_name = "events"

# Fixed paths first: `<slug>/` would swallow them. events.services.RESERVED_SLUGS keeps
# slugs off these words.
urlpatterns = [
    path("", finder.event_list, name="list"),
    path("nearby.json", finder.nearby, name="nearby"),
    path("map.geojson", finder.map_geojson, name="map_geojson"),
    path("new/", registration.new_event, name="new"),
    path("places.json", registration.places_json, name="places"),
    # RSVP, the participant's pages, the organizer dashboard, contact relay and recap.
    path("", include("events.urls_participation")),
    path("<slug:slug>/", public.event_detail, name="detail"),
    path("<slug:slug>/edit/", registration.edit_event, name="edit"),
    path("<slug:slug>/calendar.ics", public.event_calendar, name="calendar"),
    path("<slug:slug>/report/", public.report_event, name="report"),
]
