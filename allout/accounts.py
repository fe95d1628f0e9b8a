from __future__ import annotations

from types import SimpleNamespace
from urllib.parse import urlencode, urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.authentication import get_authentication_records
from allauth.account.utils import get_next_redirect_url
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.http import HttpRequest

from allout import emails, privacy
from allout.ratelimit import client_key


def current_site() -> SimpleNamespace:
    """What allauth's templates call the site (django.contrib.sites is not installed, and
    allauth's own fallback is lost when send_mail is overridden)."""
    return SimpleNamespace(name=settings.SITE_NAME, domain=urlsplit(settings.SITE_URL).netloc)


def passed_two_factor(request: HttpRequest) -> bool:
    """Whether the person in this session gave their second factor since they logged in.

    allauth records each step of a login in the session ("password", then "mfa" once the
    code was right); the record is dropped when the session ends. Having two-factor turned on
    for the account is not enough: a session opened before it was, or opened without it, has
    not proved anything. Removing the authenticator later withdraws the proof as well.
    """
    user = request.user
    if not user.is_authenticated:
        return False
    records = get_authentication_records(request, user)
    return any(record.get("method") == "mfa" for record in records) and is_mfa_enabled(user)


class AccountAdapter(DefaultAccountAdapter):
    """Sends django-allauth's emails (verification, password reset) through the outbox."""

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        context = {
            "current_site": current_site(),
            **context,
            "site_name": settings.SITE_NAME,
            "site_url": settings.SITE_URL,
            "data_url": privacy.data_request_url(email),
        }
        message = self.render_mail(template_prefix, email, context)
        emails.account_message(template_prefix, message)

    def get_email_confirmation_url(self, request: HttpRequest | None, emailconfirmation) -> str:
        """The verification link, carrying the page the person was on when they signed up
        (the event form, say), so that confirming from any browser leads back to it."""
        url = super().get_email_confirmation_url(request, emailconfirmation)
        next_url = get_next_redirect_url(request) if request is not None else None
        return f"{url}?{urlencode({'next': next_url})}" if next_url else url

    def get_client_ip(self, request: HttpRequest) -> str:
        """A keyed hash, never the address: allauth keys its rate limits on this."""
        return client_key(request)
