from __future__ import annotations

from collections.abc import Callable

from allauth.mfa.utils import is_mfa_enabled
from csp.constants import UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _


class StaffTwoFactorMiddleware:
    """Staff reach the admin only once their account has two-factor authentication."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            settings.STAFF_REQUIRE_MFA
            and request.path.startswith("/admin/")
            and user.is_authenticated
            and user.is_staff
            and not is_mfa_enabled(user)
        ):
            messages.warning(
                request, _("Staff accounts need two-factor authentication. Set it up to continue.")
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """The strict policy everywhere; the admin alone may run inline scripts and styles.

    django-leaflet's admin map widget and parts of Django's admin write inline code. The admin
    is staff-only behind two-factor authentication, and still loads nothing from elsewhere.
    """

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if request.path.startswith("/admin/") and not report_only:
            update = dict(parts.update or {})
            for directive in ("script-src", "style-src"):
                update[directive] = [*update.get(directive, []), UNSAFE_INLINE]
            parts.update = update
        return parts


class PermissionsPolicyMiddleware:
    """Every response says which browser powers its page may use (settings.PERMISSIONS_POLICY).

    A script that slips in cannot turn on the camera, the microphone or payments, nor can a
    page that frames the site ask for the visitor's position.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}={allowlist}" for feature, allowlist in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.header)
        return response
