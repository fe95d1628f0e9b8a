from django.urls import path

from partners import views

app_name = "partners"

# Under /api/v1/ (allout/urls.py), unprefixed: machines' addresses take no language.
urlpatterns = [
    path(
        "petitions/<str:slug>/signatures/",
        views.PetitionSignatures.as_view(),
        name="petition_signatures",
    ),
    path(
        "petitions/<str:slug>/signatures/withdrawn/",
        views.WithdrawnSignatures.as_view(),
        name="petition_signatures_withdrawn",
    ),
]
