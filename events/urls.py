# TEMPORARY (branch `participation`): the integrator replaces this file with the real one
# from the events work, keeping the include of events.urls_participation before `<slug>/`.
from django.urls import include, path

from events.views import public

app_name = "events"

urlpatterns = [
    path("", include("events.urls_participation")),
    path("<slug:slug>/", public.detail, name="detail"),
]
