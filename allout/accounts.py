from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest

from allout import emails, privacy
from allout.ratelimit import client_key


class AccountAdapter(DefaultAccountAdapter):
    """Sends django-allauth's emails (verification, password reset) through the outbox."""

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        context = {
            **context,
            "site_name": settings.SITE_NAME,
            "site_url": settings.SITE_URL,
            "data_url": privacy.data_request_url(email),
        }
        message = self.render_mail(template_prefix, email, context)
        emails.account_message(template_prefix, message)

    def get_client_ip(self, request: HttpRequest) -> str:
        """A keyed hash, never the address: allauth keys its rate limits on this."""
        return client_key(request)
