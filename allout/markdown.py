"""Markdown written by organizers and petition authors, rendered to HTML that is safe to show.

Markdown passes raw HTML through, so its output is only ever shown after nh3 (an allowlist
sanitizer) has kept the few tags a description needs. No images: an <img> pointing elsewhere
would be an outside request from our pages (SPEC: the tile server is the only one).
"""

from __future__ import annotations

import markdown as markdown_lib  # type: ignore[import-untyped]  # no stubs are published
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "strong", "em", "b", "i", "del", "code", "pre", "blockquote",
        "ul", "ol", "li", "h2", "h3", "h4", "a",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener"


def render(text: str) -> SafeString:
    """`text` (Markdown) as sanitized HTML: safe to put in a page as it is."""
    html = markdown_lib.markdown(text or "", extensions=["sane_lists"], output_format="html")
    cleaned = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
    )
    return mark_safe(cleaned)  # noqa: S308 (sanitized by nh3 with an allowlist just above)
