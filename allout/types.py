"""Types the apps share for their hints."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest


class AuthenticatedHttpRequest(HttpRequest):
    """The request of a view behind @login_required: `user` is a real account.

    django-stubs types `request.user` as `User | AnonymousUser`; views that cannot run for an
    anonymous visitor annotate their request with this instead (the django-stubs recipe).
    """

    user: User
