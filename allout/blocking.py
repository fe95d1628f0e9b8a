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
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save

from allout.addresses import canonical_email
from allout.cache import local
from allout.models import BlockedAddress


def _domains(canonical: str) -> list[str]:
    """The address's domain and every parent domain short of the top level."""
    labels = canonical.rpartition("@")[2].split(".")
    return [".".join(labels[index:]) for index in range(max(len(labels) - 1, 1))]


ANY_BLOCK_KEY = "blocking:any"


@local()
def _blocks_exist() -> bool:
    """Whether staff have blocked anything at all: cached, since every email to a participant
    asks (a sweep of reminders would otherwise ask the database once per email), for a
    minute in Redis and a few seconds in the process (allout.cache.local): a new block
    applies at once in the process that saved it, within 5 s in the others."""
    cached = cache.get(ANY_BLOCK_KEY)
    if cached is None:
        cached = BlockedAddress.objects.exists()
        cache.set(ANY_BLOCK_KEY, cached, timeout=60)
    return bool(cached)


def _forget_blocks(**kwargs) -> None:
    _forget_any_block()
    transaction.on_commit(_forget_any_block)


def _forget_any_block() -> None:
    _blocks_exist.forget()
    cache.delete(ANY_BLOCK_KEY)


post_save.connect(_forget_blocks, sender=BlockedAddress, dispatch_uid="allout.blocking.saved")
post_delete.connect(_forget_blocks, sender=BlockedAddress, dispatch_uid="allout.blocking.deleted")


def _any_blocked(addresses: Iterable[str]) -> bool:
    if not _blocks_exist():
        return False
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
