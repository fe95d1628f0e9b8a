from django.urls import path

from petitions import views

app_name = "petitions"

# Public addresses are stable: partner sites and printed material use them.
urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/sign/", views.sign, name="sign"),
    path("<slug:slug>/check-your-email/", views.check_email, name="check_email"),
    path("<slug:slug>/thank-you/", views.thanks, name="thanks"),
    path("<slug:slug>/count.json", views.count, name="count"),
    path("<slug:slug>/embed/", views.embed, name="embed"),
    # Links in a signer's emails (three segments: they never collide with a slug's).
    path("signature/<str:token>/confirm/", views.confirm, name="confirm"),
    path("signature/<str:token>/delete/", views.delete, name="delete"),
    path("signature/<str:token>/updates/", views.updates, name="updates"),
]
