"""Which language a page is in, and its address in each language.

A page people share answers at its unprefixed address (`/events/`, as partners, flyers and
emails have always linked it) in the visitor's language: the one chosen with the header's
switcher (Django's language cookie), else `Accept-Language`, else English. With a language
prefix (`/ru/events/`, `/en/events/`) it answers in that language whoever opens it, so a
shared link keeps its language. `reverse()` under a language other than English writes its
prefix; under English it writes the unprefixed address, as it always has.

Django's own `i18n_patterns(prefix_default_language=False)` gets neither half: its pattern
matches an unprefixed path only while English is active, so LocaleMiddleware forces English
on every unprefixed address. The pattern below matches unprefixed paths in any language, and
the middleware lets the visitor's choice stand.
"""

from __future__ import annotations

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.urls import URLResolver, reverse, translate_url
from django.urls.resolvers import LocalePrefixPattern
from django.utils import translation
from django.utils.cache import patch_vary_headers


class OptionalLocalePrefixPattern(LocalePrefixPattern):
    """The active language's prefix if the path has it (English's too), else none."""

    def match(self, path: str) -> tuple[str, tuple, dict]:
        # LocaleMiddleware has activated the path's language when the path names one.
        prefix = f"{translation.get_language() or settings.LANGUAGE_CODE}/"
        return path.removeprefix(prefix), (), {}


def localized_patterns(*urls) -> list[URLResolver]:
    """The routes that answer at `/<language>/...` as well as at their unprefixed address."""
    return [URLResolver(OptionalLocalePrefixPattern(prefix_default_language=False), list(urls))]


class VisitorLocaleMiddleware(LocaleMiddleware):
    """LocaleMiddleware that serves an unprefixed address in the visitor's language."""

    def process_request(self, request) -> None:
        super().process_request(request)
        if not translation.get_language_from_path(request.path_info):
            # The cookie, else Accept-Language, else LANGUAGE_CODE: where Django's forces
            # LANGUAGE_CODE.
            translation.activate(translation.get_language_from_request(request))
            request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request, response):
        response = super().process_response(request, response)
        if not translation.get_language_from_path(request.path_info) and response.get(
            "Content-Type", ""
        ).startswith("text/html"):
            # The language cookie chose this page's language as much as Accept-Language did
            # (which Django's middleware adds), so no cache may hand it to another. Not on
            # the JSON, the same in every language: cache_page keys on every Vary header,
            # and partners' count.json stays one cache entry.
            patch_vary_headers(response, ["Cookie"])
        return response


def current_language() -> str:
    """The active language, one of LANGUAGES: what a sign-up, an RSVP or a new event
    records as the language its emails are to be written in (allout.mail.queue). The
    site's default outside a request or under a language the platform does not speak."""
    try:
        return translation.get_supported_language_variant(
            translation.get_language() or settings.LANGUAGE_CODE
        )
    except LookupError:
        return settings.LANGUAGE_CODE


def neutral_reverse(viewname: str, args: list | None = None) -> str:
    """reverse() with no language prefix, whatever language is active: the address that
    follows its visitor's language, for what is made once and read in every language (the
    JSON and GeoJSON, and the map cache that holds them)."""
    with translation.override(settings.LANGUAGE_CODE):
        return reverse(viewname, args=args)


def path_in(language: str, path: str) -> str:
    """`path` (with or without a prefix) at the address that always answers in `language`:
    `/en/...` for English too, since the unprefixed one follows the visitor's choice."""
    unprefixed = translate_url(path, settings.LANGUAGE_CODE)
    if language == settings.LANGUAGE_CODE:
        return f"/{language}{unprefixed}"
    return translate_url(path, language)


def alternates(request) -> list[tuple[str, str]]:
    """(hreflang, absolute URL) of this page in every language, then x-default: the
    unprefixed address, which follows the visitor's language. Empty for the pages that have
    no language versions (the admin, a 404)."""
    here = request.get_full_path()
    unprefixed = translate_url(here, settings.LANGUAGE_CODE)
    if all(translate_url(here, code) == unprefixed for code, _name in settings.LANGUAGES):
        return []  # translate_url() could not resolve it, or found no language prefix
    versions = {code: path_in(code, here) for code, _name in settings.LANGUAGES}
    versions["x-default"] = unprefixed
    return [(code, settings.SITE_URL + path) for code, path in versions.items()]
