"""`{% petition_progress %}`: the promoted petition's live count, for pages outside this app
(the home page), so they need not import petitions' internals.
"""

from __future__ import annotations

from django import template

from petitions import cache

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
