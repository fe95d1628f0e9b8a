from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from allout import antibot, views
from allout.i18n import localized_patterns

admin.site.site_header = f"{settings.SITE_NAME}: staff"
admin.site.site_title = settings.SITE_NAME
# Staff log in through allauth, which asks for their second factor.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

# Unprefixed only: machines' addresses (the API too), the staff's admin, the language switch and the
# JavaScript catalog (which names its language in the path).
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("altcha/challenge/", antibot.challenge, name="altcha_challenge"),
    path("my-data/<str:token>/", views.data_request, name="data_request"),
    path("admin/", admin.site.urls),
    # Partners' keyed pulls (partners/): the API's part that needs a key.
    path("api/v1/", include("partners.urls")),
    # The header's switcher posts here from every page. Without a CSRF token: a token
    # would put a cookie and a per-visitor form on every page, and a forged post can only
    # change the language of the visitor's pages.
    path("language/", csrf_exempt(require_POST(set_language)), name="set_language"),
    path("jsi18n/<str:language>.js", views.javascript_catalog, name="javascript_catalog"),
    # The partners' read API: JSON, the same in every language, at one stable address.
    path("api/v1/", include("api.urls")),
]

# Pages people share: at their unprefixed address in the visitor's language, and at
# /<language>/... in that one (allout.i18n). The apps' JSON and token links are among them
# and keep answering unprefixed, as SPEC promises.
urlpatterns += localized_patterns(
    path("", views.home, name="home"),
    path("privacy/", views.privacy_notice, name="privacy"),
    path("events/", include("events.urls")),
    path("petitions/", include("petitions.urls")),
    path("accounts/", include("allauth.urls")),
)

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
