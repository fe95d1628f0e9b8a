"""`{% petition_progress %}`: the promoted petition's live count, for pages outside this app
(the home page), so they need not import petitions' internals.
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils import translation
from modeltranslation.utils import build_localized_fieldname

from petitions import cache
from petitions.models import Petition

register = template.Library()


@register.inclusion_tag("petitions/home_progress.html")
def petition_progress() -> dict:
    """The count and progress bar of the petition the campaign promotes now (or nothing).

    From the cache, with a count a few seconds old (petitions.cache).
    """
    slug = cache.current_slug()
    petition = cache.get_petition(slug) if slug else None
    if petition is not None:
        cache.with_live_count(petition)
    return {"petition": petition}


@register.simple_tag
def petition_language(petition: Petition) -> dict:
    """The language the page shows `petition`'s text in (the visitor's, where staff translated
    it; else the original, which modeltranslation falls back to) and whether that is a
    translation, for the page's `lang` and its note linking to the original."""
    current = translation.get_language() or settings.LANGUAGE_CODE
    translated = current != settings.LANGUAGE_CODE and bool(
        getattr(petition, build_localized_fieldname("text", current), "")
    )
    shown = current if translated else settings.LANGUAGE_CODE
    return {"code": shown, "is_translation": translated, "is_fallback": shown != current}
