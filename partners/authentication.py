"""How a partner's request proves it holds a key, and how many requests a key may make.

The key travels in a header only: `Authorization: Bearer <key>`, `Authorization: Api-Key
<key>` or `Api-Key: <key>`. A key in the address would land in proxies' logs, browser
histories and Referer headers, so a request that puts one there is refused outright.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from allout.ratelimit import client_key, is_limited
from partners.models import KEY_TAG, ApiKey

SCHEMES = ("bearer", "api-key")
# What in a query parameter's name says a client put a key in it (?key=, ?api_token=,
# ?Access_Token=, any case); a value that looks like one of our keys is refused whatever
# its name.
KEY_WORDS = ("key", "token", "secret", "auth", "password")


def keys_in_address(request: Request) -> list[str]:
    """The query parameters that carry, or seem meant to carry, a key."""
    return sorted(
        name
        for name, values in request.query_params.lists()
        if any(word in name.lower() for word in KEY_WORDS)
        or any(KEY_TAG in value for value in values)
    )


# Requests from one source a minute, whatever their key: a guesser gets nowhere (a key is
# 32 random bytes) but would cost a query a guess.
TRIES_PER_SOURCE_PER_MINUTE = 120


def key_in_headers(request: Request) -> str | None:
    """The key the request's headers carry, or None; AuthenticationFailed for a malformed one."""
    found = []
    authorization = request.META.get("HTTP_AUTHORIZATION", "")
    if authorization:
        scheme, _space, credentials = authorization.strip().partition(" ")
        if scheme.lower() in SCHEMES:
            found.append(credentials.strip())
    if "HTTP_API_KEY" in request.META:
        found.append(request.META["HTTP_API_KEY"].strip())
    if not found:
        return None
    if len(set(found)) > 1 or not found[0]:
        raise exceptions.AuthenticationFailed(_("Invalid or revoked key."))
    return found[0]


class ApiKeyAuthentication(BaseAuthentication):
    """A partner organization's API key (partners.models.ApiKey); `request.auth` is the key."""

    def authenticate(self, request: Request) -> tuple[AnonymousUser, ApiKey] | None:
        in_address = keys_in_address(request)
        if in_address:
            raise exceptions.ValidationError(
                {
                    in_address[0]: [
                        _("Send the key in the Authorization header, never in the address.")
                    ]
                }
            )
        if is_limited(
            "partner-source", client_key(request), limit=TRIES_PER_SOURCE_PER_MINUTE, period=60
        ):
            raise exceptions.Throttled(wait=60)
        key = key_in_headers(request)
        if key is None:
            return None
        api_key = ApiKey.find(key)
        if api_key is None:
            # The same answer for a key that never was and one staff revoked.
            raise exceptions.AuthenticationFailed(_("Invalid or revoked key."))
        api_key.mark_used()
        # No user: the request acts for an organization, never as anyone's account (and a
        # staff member's session in the same browser counts for nothing here).
        return AnonymousUser(), api_key

    def authenticate_header(self, request: Request) -> str:
        # Makes the refusals 401 (with this challenge), not 403.
        return 'Bearer realm="api"'


class HasApiKey(BasePermission):
    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, ApiKey)


class PerKeyThrottle(BaseThrottle):
    """PARTNER_PULLS_PER_MINUTE requests per key (allout.ratelimit: counted in Redis)."""

    def allow_request(self, request, view) -> bool:
        key = request.auth
        if not isinstance(key, ApiKey):
            return True  # refused by HasApiKey anyway
        limit = settings.PARTNER_PULLS_PER_MINUTE
        return not is_limited("partner-key", str(key.pk), limit=limit, period=60)

    def wait(self) -> float:
        return 60.0
