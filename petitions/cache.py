"""What the petition pages show everyone, cached: the page every email links to is the
busiest on the site, and nearly all of it is the same for every visitor.

Two lifetimes:

- Content (the petition with its targets and its text as HTML, and the fragments the
  templates cache under `page_version()`: the sign form's fields with ~250 countries) is
  kept until staff change a petition, a target, a campaign or the high-risk list: their
  signals bump the version after the transaction commits (allout.cache.version), so an
  edit, closing a petition included, shows on the next request.
- Live numbers (the count and the recent public signers) change with every confirmation;
  bumping the version on each would drop everything else with them, so they are cached
  for LIVE_SECONDS only.

Keys carry the language, since names of countries (and, soon, petitions' texts) differ in
each. With Redis down every read misses and the pages come from the database.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import get_language
from django_countries import countries

from allout import cache as versions
from allout.models import Campaign, HighRiskCountry
from petitions.models import Petition, Signature, Target

VERSION = "petitions:pages"
# Entries of an old version are never read again; this only bounds how long they linger.
CONTENT_SECONDS = 60 * 60
# The oldest count a page may show (the promise: a count at most a few seconds old).
LIVE_SECONDS = 3
# Which petition the home page promotes also depends on deadlines passing: re-read often.
CURRENT_SECONDS = 60
RECENT_SIGNERS = 10


def page_version() -> str:
    """The version every cached part of the petition pages carries in its key."""
    return versions.version(VERSION)


def get_petition(slug: str) -> Petition | None:
    """The petition at `slug`, open or closed, with its targets and its text rendered.

    Cached until staff edit it; the signing POST uses it too, since closing a petition
    bumps the version. Its `signature_count` is the one cached with it: pages that show
    the count take it from live_numbers(). A slug with no petition is not cached, so
    made-up addresses cannot fill the cache.
    """

    def read() -> Petition | None:
        petition = Petition.objects.prefetch_related("targets").filter(slug=slug).first()
        if petition is not None:
            petition.text_html  # noqa: B018  # rendered now, so the cached instance keeps it
        return petition

    key = f"petitions:petition:{get_language()}:{slug}"
    return versions.versioned(VERSION, key, read, timeout=CONTENT_SECONDS)


def current_slug() -> str | None:
    """The slug of the petition the campaign promotes now (Petition.objects.current())."""

    def read() -> str | None:
        petition = Petition.objects.current()
        return None if petition is None else petition.slug

    return versions.versioned(VERSION, "petitions:current", read, timeout=CURRENT_SECONDS)


@dataclass(frozen=True)
class PublicSigner:
    """A recent signer as the page shows them: first name and country, nothing else."""

    first_name: str
    country_code: str

    @property
    def country_name(self) -> str:
        return str(countries.name(self.country_code))


@dataclass(frozen=True)
class LiveNumbers:
    count: int
    signers: tuple[PublicSigner, ...]


def live_numbers(petition: Petition) -> LiveNumbers:
    """The confirmed count and the recent public signers, at most LIVE_SECONDS old."""

    def read() -> LiveNumbers:
        count = (
            Petition.objects.with_signature_count()
            .filter(pk=petition.pk)
            .values_list("signature_count", flat=True)
        )
        # Signature.objects, not petition.signatures: see the public_recent index.
        signers = (
            Signature.objects.filter(petition=petition)
            .public()
            .order_by("-confirmed_at")
            .values_list("first_name", "country")[:RECENT_SIGNERS]
        )
        return LiveNumbers(
            count=count.first() or 0,
            signers=tuple(PublicSigner(name, str(code)) for name, code in signers),
        )

    key = f"petitions:live:{petition.pk}"
    return versions.versioned(VERSION, key, read, timeout=LIVE_SECONDS)


def with_live_count(petition: Petition) -> tuple[Petition, LiveNumbers]:
    """The petition with its count brought up to date, and the live numbers it came from."""
    numbers = live_numbers(petition)
    petition.signature_count = numbers.count
    return petition, numbers


@receiver(post_save, sender=Petition, dispatch_uid="petitions.cache.petition_saved")
@receiver(post_delete, sender=Petition, dispatch_uid="petitions.cache.petition_deleted")
@receiver(post_save, sender=Target, dispatch_uid="petitions.cache.target_saved")
@receiver(post_delete, sender=Target, dispatch_uid="petitions.cache.target_deleted")
@receiver(post_save, sender=Campaign, dispatch_uid="petitions.cache.campaign_saved")
@receiver(post_delete, sender=Campaign, dispatch_uid="petitions.cache.campaign_deleted")
@receiver(post_save, sender=HighRiskCountry, dispatch_uid="petitions.cache.risk_saved")
@receiver(post_delete, sender=HighRiskCountry, dispatch_uid="petitions.cache.risk_deleted")
def _content_changed(sender, **kwargs) -> None:
    # The signers list hides high-risk countries, and the sign form names them. Counting
    # a signature adds to a counter shard (no signal): the live numbers cover it.
    versions.bump_on_commit(VERSION)
