"""/api/v1/: unprefixed (allout/urls.py), since what it returns is the same in every URL.

The keyed pulls for partners live in their own app under the same prefix.
"""

from django.urls import path

from api import views

app_name = "api"

urlpatterns = [
    path("", views.EntryPoint.as_view(), name="root"),
    path("events/", views.EventList.as_view(), name="events"),
    path("events/<str:slug>/", views.EventDetail.as_view(), name="event"),
    path("petitions/", views.PetitionList.as_view(), name="petitions"),
    path("petitions/<str:slug>/", views.PetitionDetail.as_view(), name="petition"),
    path("campaigns/", views.CampaignList.as_view(), name="campaigns"),
    path("campaigns/<str:slug>/", views.CampaignDetail.as_view(), name="campaign"),
    path("schema/", views.Schema.as_view(), name="schema"),
    path("docs/", views.Docs.as_view(), name="docs"),
]
