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
    """Signed links for one purpose; `max_age` None means they never expire on their own.
    `email_urls` names the URLs the worker may make of it for an email (EmailLink): no
    other, so a row written into the outbox by hand cannot have it sign anything else."""

    salt: str
    max_age: timedelta | None = None
    email_urls: frozenset[str] = frozenset()

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
        if self.email_urls:
            _EMAIL_LINKS.setdefault(self.salt, self)

    def url(self, url_name: str, pk: int) -> str:
        """The absolute link, for emails."""
        return absolute_url(self.path(url_name, pk))

    def email_link(self, url_name: str, pk: int) -> EmailLink:
        """The absolute link, made when the email is rendered (EmailLink)."""
        if url_name not in self.email_urls:
            raise ValueError(f"{self.salt} links are not made into {url_name} for emails")
        return EmailLink(self.salt, url_name, pk)


# The SignedLinks the worker makes for emails, by salt: an EmailLink names its own. Each
# is registered when its module is imported, which every app's ready() does.
_EMAIL_LINKS: dict[str, SignedLink] = {}


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
        """The link; ValueError for one no SignedLink makes for emails (a row written by
        hand): the worker gives such an email up after its tries, and signs nothing."""
        signed = _EMAIL_LINKS.get(self.salt)
        if signed is None or self.url_name not in signed.email_urls:
            raise ValueError(f"not a link made for emails: {self.salt} {self.url_name}")
        if not isinstance(self.pk, int) or isinstance(self.pk, bool):
            raise ValueError(f"not a row's id: {self.pk!r}")
        return signed.url(self.url_name, self.pk)
