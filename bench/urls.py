"""The platform's URLs plus the floor views the write benchmarks compare against."""

from django.urls import path

from allout.urls import urlpatterns as platform_urlpatterns
from bench.petitions_floor import floor as petition_floor
from bench.rsvp_floor import floor as rsvp_floor

urlpatterns = [
    path("bench/floor/<int:petition_id>/", petition_floor),
    path("bench/rsvp-floor/<int:event_id>/", rsvp_floor),
    *platform_urlpatterns,
]
