"""Issuing and revoking partners' keys, and a key's pull of a petition's opted-in signers."""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from partners.models import WITHDRAWALS_KEPT_DAYS, ApiKey, PullLog, Withdrawal, hash_key
from petitions.models import Petition, Signature, SignatureQuerySet

# No key, no name and no address in a log line (allout.logs): keys by their prefix, people
# by their id.
log = logging.getLogger(__name__)


def issue_key(api_key: ApiKey, actor: User) -> str:
    """Save the new, unsaved `api_key` (its organization and name set) with a fresh key, and
    return the key: the one time it exists outside the partner's hands, to show them once."""
    key, api_key.prefix = ApiKey.generate()
    api_key.hashed_key = hash_key(key)
    api_key.created_by = actor
    api_key.save()
    log.info(
        "API key %s issued to partner %s by user %s",
        api_key.prefix,
        api_key.organization_id,
        actor.pk,
    )
    return key


def revoke_keys(queryset: QuerySet[ApiKey], actor: User) -> list[ApiKey]:
    """Revoke the active keys among `queryset`; the next request with one of them fails."""
    now = timezone.now()
    with transaction.atomic():
        # Locked, so two staff revoking at once record one revocation each key.
        active = ApiKey.objects.active().filter(pk__in=queryset.values("pk"))
        keys = list(active.select_related("organization").select_for_update(of=("self",)))
        ApiKey.objects.filter(pk__in=[key.pk for key in keys]).update(
            revoked_at=now, revoked_by=actor
        )
    for key in keys:
        key.revoked_at, key.revoked_by = now, actor
        log.info("API key %s revoked by user %s", key.prefix, actor.pk)
    return keys


@dataclass(frozen=True)
class PulledPage:
    """One page of a pull (signatures, or withdrawals), with the totals its links need."""

    petition: Petition
    items: list
    total: int
    page: int
    per_page: int

    @property
    def total_pages(self) -> int:
        return math.ceil(self.total / self.per_page)


def petition_for_key(api_key: ApiKey, slug: str) -> Petition | None:
    """The petition `slug` if `api_key`'s organization is its author, else None.

    One query either way, so the answer (and its time) is the same for a petition that does
    not exist and one that belongs to someone else.
    """
    if not SLUG.fullmatch(slug):
        return None  # no petition has it (and a NUL in it would fail the query)
    return Petition.objects.filter(slug=slug, author_organization=api_key.organization_id).first()


# What a petition's slug can be (SlugField); the URL takes any segment, so that a bad one
# gets this API's JSON 404 instead of the site's HTML page.
SLUG = re.compile(r"[-\w]+", re.ASCII)


def pull_signatures(
    api_key: ApiKey, slug: str, *, since: datetime | None, page: int, per_page: int
) -> PulledPage | None:
    """One page of the petition's confirmed signers who asked for its author's updates, or
    None when the key's organization is not the author of petition `slug`. Logged either way.

    `since` keeps signers confirmed at or after it: a partner that saves the last
    confirmation time it saw and asks from there gets the new ones (and those of that very
    moment again: identifiers tell them apart).
    """
    petition = petition_for_key(api_key, slug)
    result = None
    if petition is not None:
        signatures = Signature.objects.filter(petition=petition).opted_in_to_author(
            api_key.organization_id
        )
        if since is not None:
            signatures = signatures.filter(confirmed_at__gte=since)
        start = (page - 1) * per_page
        # Two reads, not one snapshot: a signer confirmed between them can make the total
        # one ahead of the pages. Accepted: the next pull returns them.
        result = PulledPage(
            petition=petition,
            items=list(signatures[start : start + per_page]),
            total=signatures.count(),
            page=page,
            per_page=per_page,
        )
    PullLog.objects.create(
        api_key=api_key,
        organization_id=api_key.organization_id,
        petition=petition,
        slug=slug.replace("\x00", "")[:200],
        status=200 if result else 404,
        rows=len(result.items) if result else 0,
        since=since,
        page=page,
        per_page=per_page,
    )
    return result


def pull_withdrawals(
    api_key: ApiKey, slug: str, *, since: datetime | None, page: int, per_page: int
) -> PulledPage | None:
    """One page of the signatures of petition `slug` that `api_key`'s organization may have
    pulled and must now delete, oldest first; None when the organization is not its author
    and has none of its withdrawals (authored it before).

    Only ids and times: nothing of anyone is handed out, so, unlike a pull, it is not logged.
    """
    # Its author's, or one the organization authored before staff pointed it at another:
    # the signers it pulled then are still its to delete.
    petition = Petition.objects.filter(slug=slug).first() if SLUG.fullmatch(slug) else None
    if petition is None:
        return None
    withdrawals = Withdrawal.objects.filter(
        organization=api_key.organization_id, petition=petition
    ).order_by("withdrawn_at", "pk")
    if petition.author_organization_id != api_key.organization_id and not withdrawals.exists():
        return None  # as for a petition that does not exist
    if since is not None:
        withdrawals = withdrawals.filter(withdrawn_at__gte=since)
    start = (page - 1) * per_page
    return PulledPage(
        petition=petition,
        items=list(withdrawals[start : start + per_page]),
        total=withdrawals.count(),
        page=page,
        per_page=per_page,
    )


def purge_withdrawals() -> int:
    """Delete withdrawals older than WITHDRAWALS_KEPT_DAYS; returns how many."""
    cutoff = timezone.now() - timedelta(days=WITHDRAWALS_KEPT_DAYS)
    deleted, _ = Withdrawal.objects.filter(withdrawn_at__lt=cutoff).delete()
    return deleted


def record_withdrawals(sender: type, *, signatures: SignatureQuerySet, **kwargs) -> None:
    """A Withdrawal for each of `signatures` its organization's key could pull, in the
    transaction that deletes them or withdraws their consent (petitions.signals): the
    organization learns to delete its copy."""
    pullable = signatures.confirmed().filter(consent_author=True, shared_with__isnull=False)
    now = timezone.now().replace(second=0, microsecond=0)  # see Withdrawal.withdrawn_at
    Withdrawal.objects.bulk_create(
        Withdrawal(
            organization_id=organization_id,
            petition_id=petition_id,
            signature_id=pk,
            withdrawn_at=now,
        )
        for pk, petition_id, organization_id in pullable.values_list(
            "pk", "petition_id", "shared_with_id"
        )
    )
