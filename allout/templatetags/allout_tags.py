"""Template helpers shared by every app: `{% load allout_tags %}`."""

from __future__ import annotations

from django import forms, template
from django.conf import settings
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from allout import dates, i18n
from allout import markdown as markdown_module

register = template.Library()


@register.filter(is_safe=True)
def markdown(text: str) -> SafeString:
    """Render Markdown to sanitized HTML: `{{ event.description|markdown }}`."""
    return markdown_module.render(text)


@register.filter
def fields_with_errors(form: forms.BaseForm) -> list[forms.BoundField]:
    """The visible fields of `form` that have errors, in the form's order: what the error
    summary at the top of a form names."""
    return [field for field in form.visible_fields() if field.errors]


@register.simple_tag
def map_tiles_attrs() -> SafeString:
    """`data-` attributes telling static/js maps which tile server to draw (none if empty)."""
    return format_html(
        'data-tiles-url="{}" data-tiles-attribution="{}"',
        settings.MAP_TILES_URL,
        settings.MAP_TILES_ATTRIBUTION,
    )


@register.simple_tag(takes_context=True)
def language_alternates(context) -> SafeString:
    """`<link rel="alternate" hreflang>` to this page in every language, and x-default."""
    request = context.get("request")
    if request is None:
        return SafeString("")
    return format_html_join(
        "\n", '<link rel="alternate" hreflang="{}" href="{}">', i18n.alternates(request)
    )


@register.simple_tag(takes_context=True)
def url_in_language(context, language: str) -> str:
    """This page's address that always answers in `language` (e.g. a link to an original)."""
    return i18n.path_in(language, context["request"].get_full_path())


# The platform's ways of saying a day, in the active language (allout/dates.py).
register.filter("long_day", dates.long_day)
register.filter("day", dates.day)
register.filter("day_month", dates.day_month)
