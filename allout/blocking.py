"""Silent blocks: staff stop an address, or a whole domain, without telling its owner.

A blocked person's RSVP or signature looks accepted (the same page as anyone's) but is
never stored, counted or emailed, and a blocked account cannot register events. Telling
them would tell an infiltrator to come back under another address. Staff add blocks in the
admin (allout.models.BlockedAddress); events' and petitions' services ask here.

Disposable and anonymous email domains (mailinator, guerrillamail, Proton and the like)
are deliberately NOT refused: people at risk use them on purpose, to keep their name out of
the lists of a platform that could be seized or leaked. Only a block staff add by hand,
for an address or domain they saw abuse from, stops anyone.
"""

from __future__ import annotations

from collections.abc import Iterable

from allauth.account.models import EmailAddress
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q

from allout.addresses import canonical_email
from allout.models import BlockedAddress


def _domains(canonical: str) -> list[str]:
    """The address's domain and every parent domain short of the top level."""
    labels = canonical.rpartition("@")[2].split(".")
    return [".".join(labels[index:]) for index in range(max(len(labels) - 1, 1))]


def _any_blocked(addresses: Iterable[str]) -> bool:
    canonicals = {canonical_email(address) for address in addresses if address}
    if not canonicals:
        return False
    domains = {domain for canonical in canonicals for domain in _domains(canonical)}
    return BlockedAddress.objects.filter(
        Q(kind=BlockedAddress.Kind.ADDRESS, value__in=canonicals)
        | Q(kind=BlockedAddress.Kind.DOMAIN, value__in=domains)
    ).exists()


def is_blocked(email: str) -> bool:
    """Whether staff blocked this address (under any spelling) or its domain."""
    return _any_blocked([email])


def is_blocked_account(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Whether any address of the account, confirmed or not, is blocked."""
    if not user.is_authenticated:
        return False
    addresses = list(EmailAddress.objects.filter(user_id=user.pk).values_list("email", flat=True))
    return _any_blocked([getattr(user, "email", ""), *addresses])
