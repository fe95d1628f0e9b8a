"""Links that leave the site: absolute URLs, and signed links that stand in for a login.

A signed link carries one row's id and proves that its reader holds the address it was
emailed to. Each purpose signs with its own salt, so a link made for one action never works
for another. The token is Django's `signing.dumps(pk, salt=...)`, unchanged since the first
emails went out: links in emails already sent keep working.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse


def absolute_url(path: str) -> str:
    """`path` on the public site (SITE_URL), for emails and share links."""
    return settings.SITE_URL + path


@dataclass(frozen=True)
class SignedLink:
    """Signed links for one purpose; `max_age` None means they never expire on their own."""

    salt: str
    max_age: timedelta | None = None

    def token(self, pk: int) -> str:
        return signing.dumps(pk, salt=self.salt)

    def pk_from(self, token: str) -> int | None:
        """The id a token was signed for, or None when it is forged, mangled or expired."""
        try:
            value = signing.loads(token, salt=self.salt, max_age=self.max_age)
        except signing.BadSignature:
            return None
        return value if isinstance(value, int) else None

    def path(self, url_name: str, pk: int) -> str:
        """The URL named `url_name`, whose one argument is the token."""
        return reverse(url_name, args=[self.token(pk)])

    def __post_init__(self) -> None:
        _SIGNED_LINKS.setdefault(self.salt, self)

    def url(self, url_name: str, pk: int) -> str:
        """The absolute link, for emails."""
        return absolute_url(self.path(url_name, pk))

    def email_link(self, url_name: str, pk: int) -> EmailLink:
        """The absolute link, made when the email is rendered (EmailLink)."""
        return EmailLink(self.salt, url_name, pk)


# Every SignedLink by its salt: an EmailLink names the one it is made with.
_SIGNED_LINKS: dict[str, SignedLink] = {}


@dataclass(frozen=True)
class EmailLink:
    """A signed link in an email's context (allout.email_context), made by the worker when
    it renders the email, in the email's language, rather than by the request that queues
    it: signing is most of what a signature's or a sign-up's email costs the request.
    A token made a few seconds later is as good: its timestamp only bounds its age."""

    salt: str
    url_name: str
    pk: int

    def url(self) -> str:
        return _SIGNED_LINKS[self.salt].url(self.url_name, self.pk)
