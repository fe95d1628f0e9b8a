"""URLs for taking part; events/urls.py includes them ahead of its `<slug>/` patterns."""

from django.urls import path

from events.views import attendance, contact, dashboard, recap

urlpatterns = [
    path("mine/", dashboard.mine, name="mine"),
    path("mine/<slug:slug>/", dashboard.event_dashboard, name="dashboard_event"),
    path("mine/<slug:slug>/participants.csv", dashboard.participants_csv, name="participants_csv"),
    path("mine/<slug:slug>/message/", dashboard.message, name="message"),
    path("mine/<slug:slug>/cancel/", dashboard.cancel_event, name="cancel"),
    path("mine/<slug:slug>/report/", dashboard.report, name="report"),
    path("recap/", recap.recap, name="recap"),
    path("attend/<str:token>/", attendance.attendance, name="attendance"),
    path("attend/<str:token>/confirm/", attendance.confirm, name="attendance_confirm"),
    path("attend/<str:token>/cancel/", attendance.cancel, name="attendance_cancel"),
    path("<slug:slug>/rsvp/", attendance.rsvp, name="rsvp"),
    path("<slug:slug>/rsvp/sent/", attendance.rsvp_sent, name="rsvp_sent"),
    path("<slug:slug>/contact/", contact.contact, name="contact"),
    path("<slug:slug>/contact/sent/", contact.contact_sent, name="contact_sent"),
]
