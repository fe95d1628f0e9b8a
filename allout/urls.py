from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from allout import antibot, views

admin.site.site_header = f"{settings.SITE_NAME}: staff"
admin.site.site_title = settings.SITE_NAME
# Staff log in through allauth, which asks for their second factor.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("privacy/", views.privacy_notice, name="privacy"),
    path("altcha/challenge/", antibot.challenge, name="altcha_challenge"),
    path("events/", include("events.urls")),
    path("my-data/<str:token>/", views.data_request, name="data_request"),
    path("petitions/", include("petitions.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
