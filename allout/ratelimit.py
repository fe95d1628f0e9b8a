"""Rate limits keyed on a keyed hash of the client address, counted in Redis.

No raw IP address is stored anywhere: the counter's key is an HMAC-SHA256 of the address
with a secret from settings (a password hash would cost 100+ ms a request). If Redis is
down the limit is not enforced (as allout.cache fails open): losing a signature or an RSVP
is worse than letting a burst in.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from allout.cache import DOWN, redis_client
from allout.circuit import CircuitOpen

log = logging.getLogger(__name__)
View = Callable[..., HttpResponse]


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
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        # An IPv4 client as a socket bound to [::] sees it: its /64 would be every IPv4 client.
        address = str(ip.ipv4_mapped)
    elif ip.version == 6:
        # One IPv6 client usually holds a whole /64.
        address = str(ipaddress.IPv6Network(f"{ip}/64", strict=False).network_address)
    return hashed(address)


def is_limited(scope: str, key: str, *, limit: int, period: int) -> bool:
    """Count one hit for `key` in `scope`; True once it exceeds `limit` within `period` s."""
    if not settings.RATELIMIT_ENABLED:
        return False
    return _count_hit(f"ratelimit:{scope}:{key}", period) > limit


def count_hit(scope: str, key: str, *, period: int) -> int:
    """Count one hit for `key` in `scope` and return the hits in the current `period` s.

    For watching rather than refusing (an alert on an unusual burst), so it counts whether
    or not RATELIMIT_ENABLED is on; 0 when Redis is down.
    """
    return _count_hit(f"watch:{scope}:{key}", period)


def _count_hit(key: str, period: int) -> int:
    """Add one to a counter that expires `period` s after its first hit, in one round trip.

    The sign view runs this on every POST of the day of action; cache.add() and
    cache.incr() took three round trips (incr checks that the key exists first).
    """
    try:
        pipe = redis_client().pipeline(transaction=False)
        pipe.incr(key)
        pipe.expire(key, period, nx=True)  # NX: later hits never extend the window
        count, _ = pipe.execute()
    except CircuitOpen:
        return 0  # Redis failed a moment ago (logged then): not counted, as below
    except DOWN:
        # Fail open, as the cache does (allout.cache): with Redis down nobody is limited.
        log.warning("Redis unavailable: rate limit not counted", exc_info=True)
        return 0
    return int(count)


def _refuse(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    return render(request, "429.html", status=429)


def ratelimit(
    scope: str,
    *,
    limit: int,
    period: int,
    key: Callable[..., str] | None = None,
    refused: Callable[..., HttpResponse] = _refuse,
    methods: tuple[str, ...] = ("POST",),
) -> Callable[[View], View]:
    """Refuse more than `limit` requests per client per `period` seconds.

    It wraps a view, or a function a view calls once its own checks have passed (the
    event takes sign-ups, the petition is open), with the same arguments, request first.
    `key(request, *args, **kwargs)` says whose requests count together (the client's hashed
    address unless given); `refused(request, *args, **kwargs)` answers the requests over
    the limit (the 429 page unless given). Every request counts, valid or not.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method in methods:
                who = key(request, *args, **kwargs) if key else client_key(request)
                if is_limited(scope, who, limit=limit, period=period):
                    return refused(request, *args, **kwargs)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# --- django-allauth's own limits ---------------------------------------------------------
def key_allauth_limits() -> None:
    """Key allauth's per-address limits (password reset, email confirmation, login failures
    per account) on `hashed()` instead of its plain SHA-256 of the address.

    A plain hash of an address is reversed by hashing a list of known addresses; with the
    secret it is not. allauth offers no setting for it, so its one key function is wrapped:
    the address it was given becomes our keyed hash before allauth hashes it again.
    """
    from allauth.core.internal import ratelimit as allauth_ratelimit

    original = allauth_ratelimit.get_cache_key
    if getattr(original, "keyed_by_allout", False):
        return

    @wraps(original)
    def get_cache_key(request: HttpRequest, *, key: object = None, **kwargs) -> str:
        if key is not None:
            key = hashed(f"allauth:{key}")
        return original(request, key=key, **kwargs)

    get_cache_key.keyed_by_allout = True  # type: ignore[attr-defined]
    allauth_ratelimit.get_cache_key = get_cache_key
