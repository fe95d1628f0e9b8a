"""The platform's URLs plus the floor (and bare) views the write benchmarks compare against."""

from django.urls import path

from allout.urls import urlpatterns as platform_urlpatterns
from bench.petitions_floor import floor as petition_floor
from bench.rsvp_bare import bare as rsvp_bare
from bench.rsvp_floor import floor as rsvp_floor

urlpatterns = [
    path("bench/floor/<int:petition_id>/", petition_floor),
    path("bench/rsvp-floor/<int:event_id>/", rsvp_floor),
    path("bench/rsvp-bare/<slug:slug>/", rsvp_bare),
    *platform_urlpatterns,
]
