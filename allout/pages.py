"""Whole pages cached for visitors who bring nothing of their own, with holes for what is.

On the day nearly every request for the hot pages (the home page, the finder, an event's page,
the petition's page) comes from someone not logged in, with no message waiting: for them the
page is the same but for a few strings of their own, the CSRF token, the anti-bot fill-time
token, the address they are on and the petition's `?source=`. `cached_page()` renders such a
page once with a *hole* in place of each of those strings, keeps it in Redis, and fills the
holes for each request from then on: one Redis round trip and a few string replacements
instead of the template and its queries (bench/hot_pages.py, bench/README.md).

What stays true:

- **Only for a stateless visitor**: GET or HEAD, no session cookie (so nobody logged in,
  staff above all, whose pages may show a hidden meeting point), no message cookie. Anyone
  else gets the page rendered for them, as before.
- **Fresh**: an entry lasts `seconds` (the pages showing a count: 3, the count's promise);
  then one request renders it again while the others are served it a moment longer
  (REFRESH_SECONDS at most). It records the content versions it was rendered under
  (allout.cache.version): when staff edit something, the next request sees a version that
  differs and renders afresh. The page's key carries the language and the code's release.
- **Only what was a 200** with no cookie set by the view, and only addresses whose query
  parameters the caller has bounded (`key=None` renders without the cache).
- With Redis down, every read misses and each page is rendered as if there were no cache.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.cache import patch_vary_headers
from django.utils.html import escape
from django.utils.http import urlencode
from django.utils.translation import get_language

from allout import cache as versions

# How long a page is kept unless its view says: the oldest a count on it may be.
COUNT_SECONDS = 3
# How a hole reads in a page rendered for the cache: nothing autoescaping changes, and
# nothing a person writes by chance. Its name, and what the page gave it (a petition's id).
_HOLE = "__allout_hole_{}~{}__"
_HOLES = re.compile(rb"__allout_hole_([a-z_]+)~([A-Za-z0-9]*)__")
# How each request computes its own value of each hole, by name.
Fill = Callable[[HttpRequest, str], str]
_FILLS: dict[str, Fill] = {}
# Set while a page is rendered for the cache: hole() answers placeholders then.
_rendering: ContextVar[bool] = ContextVar("allout_pages_rendering", default=False)


F = TypeVar("F", bound=Fill)


def per_visitor(name: str) -> Callable[[F], F]:
    """Register how a request computes its own `name`: a function of the request and of
    what hole() was given."""

    def register(fill: F) -> F:
        _FILLS[name] = fill
        return fill

    return register


def hole(name: str, given: str = "") -> str | None:
    """The placeholder for `name` while a page is rendered for the cache, else None (the
    caller then computes the value as usual). `given` (letters and digits) reaches the
    fill of each request."""
    if not _rendering.get():
        return None
    if name not in _FILLS:
        raise KeyError(f"no per_visitor({name!r}) registered")
    return _HOLE.format(name, given)


@per_visitor("csrf")
def _csrf(request: HttpRequest, given: str) -> str:
    return get_token(request)


@per_visitor("path")
def _path(request: HttpRequest, given: str) -> str:
    return request.get_full_path()


_MESSAGE_COOKIE = getattr(settings, "MESSAGE_COOKIE_NAME", "messages")


def is_stateless(request: HttpRequest) -> bool:
    """Whether the visitor brings nothing that could change the page (see the module)."""
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and _MESSAGE_COOKIE not in request.COOKIES
    )


@dataclass(frozen=True)
class _Entry:
    content: bytes
    headers: tuple[tuple[str, str], ...]
    versions: tuple[tuple[str, str], ...]  # (name, version) the page was rendered under
    fresh_until: float = 0.0  # time.time(): after it, one request renders it again


# When an entry's time is up it stays readable this much longer: the one request that takes
# the refresh renders the page while the others are still served the entry, instead of all
# of them rendering it at once (which was most of the hot pages' p99 at 64 connections). If
# that request fails, another takes the refresh after this long: the page is then at most
# `seconds` + REFRESH_SECONDS old (and a count on it as old as the count's own cache, 3 s
# for the petition's, more).
REFRESH_SECONDS = 5


# Which versions the entries of each view name ("event", "finder": page_key()'s name up to
# its first ":"), learnt from the entries this process has read: with them, the entry and
# its versions come back in one round trip. By view, not by page: made-up searches must
# not grow it.
_names_of: dict[str, tuple[str, ...]] = {}


def cached_page(
    request: HttpRequest,
    key: str | None,
    render: Callable[[], HttpResponse],
    *,
    seconds: int | None = None,
) -> HttpResponse:
    """`render()`'s page from the cache for a stateless visitor (see the module), else
    rendered; `key` names the page (page_key(); None: not cached). Kept `seconds`, by
    default COUNT_SECONDS."""
    if key is None or not is_stateless(request):
        return render()
    view = key.split(":", 1)[0]
    key = _full_key(key, get_language())
    entry = _read(key, view)
    if entry is not None and (entry.fresh_until > time.time() or not _take_refresh(key)):
        return _filled(request, entry)
    entry, response = _render_for_cache(request, render)
    if entry is not None:
        seconds = COUNT_SECONDS if seconds is None else seconds
        entry = replace(entry, fresh_until=time.time() + seconds)
        cache.set(key, entry, seconds + REFRESH_SECONDS)
        cache.delete(_refresh_key(key))  # the next refresh, `seconds` from now, is anyone's
    return response


def _take_refresh(key: str) -> bool:
    """Whether this request renders the stale entry at `key` again (one request does, for
    REFRESH_SECONDS at most; with Redis down, add() says yes and everyone renders)."""
    return cache.add(_refresh_key(key), 1, REFRESH_SECONDS)


def _refresh_key(key: str) -> str:
    return f"{key}:refresh"


def forget(key: str) -> None:
    """Drop the page kept under `key` (page_key()) in every language, at once."""
    languages = [code for code, _ in settings.LANGUAGES]
    cache.delete_many([_full_key(key, language) for language in languages])


def _full_key(key: str, language: str) -> str:
    return f"page:{versions.release()}:{language}:{key}"


def _read(key: str, view: str) -> _Entry | None:
    names = _names_of.get(view, ())
    found = cache.get_many([key, *map(versions.version_key, names)])
    entry = found.get(key)
    if not isinstance(entry, _Entry):
        return None
    entry_names = tuple(name for name, _ in entry.versions)
    if entry_names != names:
        _names_of[view] = entry_names
        found.update(cache.get_many(list(map(versions.version_key, entry_names))))
    for name, version in entry.versions:
        if found.get(versions.version_key(name)) != version:
            return None  # staff changed something since: render afresh
    return entry


def _render_for_cache(
    request: HttpRequest, render: Callable[[], HttpResponse]
) -> tuple[_Entry | None, HttpResponse]:
    """The page rendered with holes, filled for this request; and the entry to keep, when
    it is a page to keep."""
    token = _rendering.set(True)
    try:
        with versions.recording() as used:
            response = render()
    finally:
        _rendering.reset(token)
    if response.streaming:  # never, from the views that cache: nothing to fill or keep
        return None, response
    content = response.content
    response.content = _fill(request, content)
    if response.status_code != 200 or response.cookies:
        return None, response
    headers = tuple(item for item in response.items() if item[0] != "Content-Length")
    return _Entry(content, headers, versions=tuple(sorted(used.items()))), response


def _fill(request: HttpRequest, content: bytes) -> bytes:
    """`content` with each hole filled for `request`, escaped; each computed once."""
    values: dict[bytes, bytes] = {}

    def value(match: re.Match[bytes]) -> bytes:
        placeholder = match[0]
        if placeholder not in values:
            fill = _FILLS.get(match[1].decode())
            # Not one of ours (a placeholder someone typed into a text): left as it is.
            values[placeholder] = (
                placeholder if fill is None else escape(fill(request, match[2].decode())).encode()
            )
        return values[placeholder]

    return _HOLES.sub(value, content)


def _filled(request: HttpRequest, entry: _Entry) -> HttpResponse:
    response = HttpResponse(_fill(request, entry.content))
    for header, value in entry.headers:
        response[header] = value
    # What the rendered page would have said: it depends on the cookies (none, here).
    patch_vary_headers(response, ["Cookie"])
    return response


def page_key(
    request: HttpRequest,
    name: str,
    *,
    parameters: frozenset[str] = frozenset(),
    filled: frozenset[str] = frozenset(),
) -> str | None:
    """The key of a cached_page(): `name` and the query's `parameters`; None (not cached)
    when the query has any other than those and the `filled` ones (what holes fill in).

    Parameters outside the set are not cached so that made-up ones cannot fill the cache.
    """
    names = set(request.GET)
    if not names <= parameters | filled:
        return None
    kept = sorted((name, request.GET.getlist(name)) for name in names & parameters)
    return f"{name}:{urlencode(kept, doseq=True)}" if kept else name
