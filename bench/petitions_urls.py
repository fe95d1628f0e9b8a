"""The platform's URLs plus the floor view the signing benchmark compares against."""

from django.urls import path

from allout.urls import urlpatterns as platform_urlpatterns
from bench.petitions_floor import floor

urlpatterns = [
    path("bench/floor/<int:petition_id>/", floor),
    *platform_urlpatterns,
]
