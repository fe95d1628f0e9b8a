from django.urls import path

from events.views import (
    alerts,
    contact,
    finder,
    organizer,
    partners,
    public,
    recap,
    registration,
    rsvp,
    toolkit,
)

app_name = "events"

# Fixed paths first: `<slug>/` would swallow them. events.services.registration.RESERVED_SLUGS
# keeps slugs off these words.
urlpatterns = [
    # Finding events (SPEC's stable URLs).
    path("", finder.event_list, name="list"),
    path("nearby.json", finder.nearby, name="nearby"),
    path("map.geojson", finder.map_geojson, name="map_geojson"),
    path("recap/", recap.recap, name="recap"),
    # For partner sites and calendars (events.views.partners).
    path("calendar.ics", partners.calendar_feed, name="calendar_feed"),
    path("embed/map/", partners.embed_map, name="embed_map"),
    path("guidelines/", toolkit.guidelines, name="guidelines"),
    # Protest alerts (events.views.alerts), and the demand count the event form shows.
    path("alerts/", alerts.alert_new, name="alert_new"),
    path("alerts/sent/", alerts.alert_sent, name="alert_sent"),
    # Tokened paths under alert/ (allout.logs redacts the segment after it).
    path("alert/<str:token>/confirm/", alerts.alert_confirm, name="alert_confirm"),
    path("alert/<str:token>/unsubscribe/", alerts.alert_unsubscribe, name="alert_unsubscribe"),
    path("demand.json", alerts.demand_json, name="demand"),
    # Registering and editing.
    path("new/", registration.new_event, name="new"),
    path("places.json", registration.places_json, name="places"),
    # The organizer's dashboard (events.views.organizer).
    path("mine/", organizer.mine, name="mine"),
    path("mine/<slug:slug>/", organizer.event_dashboard, name="dashboard_event"),
    path("mine/<slug:slug>/participants.csv", organizer.participants_csv, name="participants_csv"),
    path("mine/<slug:slug>/message/", organizer.message, name="message"),
    path("mine/<slug:slug>/cancel/", organizer.cancel_event, name="cancel"),
    path("mine/<slug:slug>/outcome/", organizer.outcome, name="outcome"),
    path("mine/<slug:slug>/poster.pdf", toolkit.poster, name="poster"),
    path("mine/<slug:slug>/share.png", toolkit.share_image, name="share_image"),
    path("mine/<slug:slug>/cohosts/", organizer.cohost_list, name="cohosts"),
    path(
        "mine/<slug:slug>/cohosts/<int:pk>/remove/",
        organizer.cohost_remove,
        name="cohost_remove",
    ),
    # A co-host invitation's signed link (events.cohost_links).
    path("cohosting/<str:token>/", organizer.cohost_accept, name="cohost_accept"),
    # A participant's own links (signed tokens from their emails).
    path("attend/<str:token>/", rsvp.attendance, name="attendance"),
    path("attend/<str:token>/confirm/", rsvp.confirm, name="attendance_confirm"),
    path("attend/<str:token>/cancel/", rsvp.cancel, name="attendance_cancel"),
    # The event page and what is posted from it.
    path("<slug:slug>/", public.event_detail, name="detail"),
    path("<slug:slug>/edit/", registration.edit_event, name="edit"),
    path("<slug:slug>/calendar.ics", public.event_calendar, name="calendar"),
    path("<slug:slug>/report/", public.report_event, name="report"),
    path("<slug:slug>/rsvp/", rsvp.rsvp, name="rsvp"),
    path("<slug:slug>/rsvp/sent/", rsvp.rsvp_sent, name="rsvp_sent"),
    path("<slug:slug>/contact/", contact.contact, name="contact"),
    path("<slug:slug>/contact/sent/", contact.contact_sent, name="contact_sent"),
]
