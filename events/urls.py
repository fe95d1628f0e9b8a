from django.urls import path

from events.views import attendance, contact, dashboard, finder, public, recap, registration

app_name = "events"

# Fixed paths first: `<slug>/` would swallow them. events.services.registration.RESERVED_SLUGS
# keeps slugs off these words.
urlpatterns = [
    # Finding events (SPEC's stable URLs).
    path("", finder.event_list, name="list"),
    path("nearby.json", finder.nearby, name="nearby"),
    path("map.geojson", finder.map_geojson, name="map_geojson"),
    path("recap/", recap.recap, name="recap"),
    # Registering and editing.
    path("new/", registration.new_event, name="new"),
    path("places.json", registration.places_json, name="places"),
    # The organizer's dashboard.
    path("mine/", dashboard.mine, name="mine"),
    path("mine/<slug:slug>/", dashboard.event_dashboard, name="dashboard_event"),
    path("mine/<slug:slug>/participants.csv", dashboard.participants_csv, name="participants_csv"),
    path("mine/<slug:slug>/message/", dashboard.message, name="message"),
    path("mine/<slug:slug>/cancel/", dashboard.cancel_event, name="cancel"),
    path("mine/<slug:slug>/outcome/", dashboard.outcome, name="outcome"),
    # A participant's own links (signed tokens from their emails).
    path("attend/<str:token>/", attendance.attendance, name="attendance"),
    path("attend/<str:token>/confirm/", attendance.confirm, name="attendance_confirm"),
    path("attend/<str:token>/cancel/", attendance.cancel, name="attendance_cancel"),
    # The event page and what is posted from it.
    path("<slug:slug>/", public.event_detail, name="detail"),
    path("<slug:slug>/edit/", registration.edit_event, name="edit"),
    path("<slug:slug>/calendar.ics", public.event_calendar, name="calendar"),
    path("<slug:slug>/report/", public.report_event, name="report"),
    path("<slug:slug>/rsvp/", attendance.rsvp, name="rsvp"),
    path("<slug:slug>/rsvp/sent/", attendance.rsvp_sent, name="rsvp_sent"),
    path("<slug:slug>/contact/", contact.contact, name="contact"),
    path("<slug:slug>/contact/sent/", contact.contact_sent, name="contact_sent"),
]
