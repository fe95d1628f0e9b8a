"""Rate limits keyed on a keyed hash of the client address, counted in the cache.

No raw IP address is stored anywhere: the cache key is an HMAC-SHA256 of the address with a
secret from settings (a password hash would cost 100+ ms a request). If the cache is down
the limit is not enforced (allout.cache fails open): losing a signature or an RSVP is worse
than letting a burst in.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from allout.cache import DOWN

log = logging.getLogger(__name__)


def client_address(request: HttpRequest) -> str:
    if settings.TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            # The last entry is the one our proxy appended; anything before it is whatever
            # the client sent, and trusting it would let anyone pick a fresh rate-limit key
            # for every request.
            return forwarded.rsplit(",", 1)[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def hashed(value: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]


def client_key(request: HttpRequest) -> str:
    address = client_address(request)
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return hashed(address)
    if ip.version == 6:
        # One IPv6 client usually holds a whole /64.
        address = str(ipaddress.IPv6Network(f"{ip}/64", strict=False).network_address)
    return hashed(address)


def is_limited(scope: str, key: str, *, limit: int, period: int) -> bool:
    """Count one hit for `key` in `scope`; True once it exceeds `limit` within `period` s."""
    if not settings.RATELIMIT_ENABLED:
        return False
    return _count_hit(f"rl:{scope}:{key}", period) > limit


def _count_hit(cache_key: str, period: int) -> int:
    """Add one to a counter that expires `period` s after its first hit, in one round trip.

    The sign view runs this on every POST of the day of action; cache.add() and
    cache.incr() took three round trips (incr checks that the key exists first).
    """
    key = cache.make_and_validate_key(cache_key)
    try:
        client = cache._cache.get_client(key, write=True)
        pipe = client.pipeline(transaction=False)
        pipe.incr(key)
        pipe.expire(key, period, nx=True)  # NX: later hits never extend the window
        count, _ = pipe.execute()
    except DOWN:
        # Fail open, as the cache does (allout.cache): with Redis down nobody is limited.
        log.warning("Cache unavailable: rate limit not counted", exc_info=True)
        return 0
    return int(count)


def ratelimit(scope: str, *, limit: int, period: int, methods: tuple[str, ...] = ("POST",)):
    """Refuse more than `limit` requests per client per `period` seconds with a 429 page."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method in methods and is_limited(
                scope, client_key(request), limit=limit, period=period
            ):
                return render(request, "429.html", status=429)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
