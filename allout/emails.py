"""Every email the platform layer sends: one small function per message.

Apps keep their own messages in their `emails.py`; all of them go through allout.mail.
"""

from __future__ import annotations

from django.core.mail import EmailMultiAlternatives

from allout import mail


def account_message(template_prefix: str, message: EmailMultiAlternatives) -> None:
    """django-allauth's account emails, rendered from templates/account/email/."""
    mail.queue_rendered(template_prefix.rsplit("/", 1)[-1], message)


def test_message(to: str) -> None:
    """A message staff can send to check the mail path end to end (manage.py send_test_email)."""
    mail.queue("test_message", to, {})
