"""Template helpers shared by every app: `{% load allout_tags %}`."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import SafeString

from allout import markdown as markdown_module

register = template.Library()


@register.filter(is_safe=True)
def markdown(text: str) -> SafeString:
    """Render Markdown to sanitized HTML: `{{ event.description|markdown }}`."""
    return markdown_module.render(text)


@register.simple_tag
def map_tiles_attrs() -> SafeString:
    """`data-` attributes telling static/js maps which tile server to draw (none if empty)."""
    return format_html(
        'data-tiles-url="{}" data-tiles-attribution="{}"',
        settings.MAP_TILES_URL,
        settings.MAP_TILES_ATTRIBUTION,
    )
