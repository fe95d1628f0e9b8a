"""`{% petition_progress %}`: the promoted petition's live count, for pages outside this app
(the home page), so they need not import petitions' internals.
"""

from __future__ import annotations

from django import template

from petitions.models import Petition

register = template.Library()


@register.inclusion_tag("petitions/home_progress.html")
def petition_progress() -> dict:
    """The count and progress bar of the petition the campaign promotes now (or nothing)."""
    return {"petition": Petition.objects.current()}
