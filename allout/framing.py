"""Which pages other sites may show in a frame: the partners' embeds, and no other.

Every page answers `X-Frame-Options: DENY` and `frame-ancestors 'none'` (settings), so no
site can frame it to trick its visitors into clicks. A widget made for partner sites (the
petition's sign widget, the events map) lifts both with `@frameable`, the one way to do it;
tests list the routes that may be framed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, cast

from csp.decorators import csp_replace
from django.views.decorators.clickjacking import xframe_options_exempt

V = TypeVar("V", bound=Callable)


def frameable(view: V) -> V:
    """Let any site frame `view`: no X-Frame-Options, and `frame-ancestors *` in its CSP
    (the rest of the policy stays: the widget still runs only our own scripts)."""
    relaxed = csp_replace({"frame-ancestors": ["*"]})(view)
    # django-csp types the views it returns as taking the request alone; they take what
    # `view` takes.
    return cast(V, xframe_options_exempt(relaxed))
