"""An account on the data page (allout.privacy): what it holds, and deleting it.

The data link proves the same thing a password reset does (the person reads that mailbox),
so it may delete the account of that address. Staff accounts are the exception: a stolen
mailbox must not remove a moderator, and an administrator removes them.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.contrib.sessions.models import Session
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from allout.addresses import canonical_email

SESSION_USER_KEY = "_auth_user_id"


def accounts_of(email: str) -> QuerySet[AbstractUser]:
    """Accounts that log in with `email` or hold it as one of their addresses."""
    spellings = {email.strip().lower(), canonical_email(email)}
    match = Q()
    for spelling in spellings:
        match |= Q(email__iexact=spelling) | Q(emailaddress__email__iexact=spelling)
    # The empty address is the placeholder's (events' deleted organizer): never anyone's.
    return get_user_model().objects.filter(match).exclude(email="").distinct().order_by("pk")


def collect(email: str) -> list[dict]:
    users = list(accounts_of(email))
    addresses = EmailAddress.objects.filter(user__in=users).order_by("-primary", "email")
    with_two_factor = set(
        Authenticator.objects.filter(user__in=users).values_list("user_id", flat=True)
    )
    rows = []
    for user in users:
        listed = [
            f"{address.email} ({_('primary') if address.primary else _('other')}, "
            f"{_('verified') if address.verified else _('not verified')})"
            for address in addresses
            if address.user_id == user.pk
        ]
        rows.append(
            {
                "username": user.username,
                "joined": user.date_joined,
                "last_login": user.last_login,
                "email_addresses": "; ".join(listed) or user.email,
                "two_factor": user.pk in with_two_factor,
                "staff_account": user.is_staff or user.is_superuser,
            }
        )
    return rows


LABELS = {
    "username": gettext_lazy("Username"),
    "joined": gettext_lazy("Joined"),
    "last_login": gettext_lazy("Last logged in"),
    "email_addresses": gettext_lazy("Email addresses"),
    "two_factor": gettext_lazy("Two-factor authentication"),
    "staff_account": gettext_lazy("Staff account (an administrator removes it, not this page)"),
}


def _sessions_of(user_pks: set[str]) -> list[str]:
    """The session keys logged in as one of `user_pks` (Django keeps no index of them)."""
    keys = []
    live = Session.objects.filter(expire_date__gt=timezone.now())
    for session in live.iterator():
        if session.get_decoded().get(SESSION_USER_KEY) in user_pks:
            keys.append(session.session_key)
    return keys


def erase(email: str) -> int:
    """Delete the accounts of `email` (not staff), their addresses, two-factor devices and
    sessions; returns how many accounts went. Events must have let go of them first."""
    users = [u for u in accounts_of(email) if not (u.is_staff or u.is_superuser)]
    if not users:
        return 0
    pks = {user.pk for user in users}
    Session.objects.filter(session_key__in=_sessions_of({str(pk) for pk in pks})).delete()
    # Deleting the user cascades to allauth's EmailAddress and Authenticator rows; said
    # here so a change of on_delete upstream cannot leave them behind silently.
    EmailAddress.objects.filter(user_id__in=pks).delete()
    Authenticator.objects.filter(user_id__in=pks).delete()
    get_user_model().objects.filter(pk__in=pks).delete()
    return len(pks)
