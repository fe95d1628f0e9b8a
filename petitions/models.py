from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import connection, models
from django.db.models import OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from allout import markdown
from allout.addresses import canonical_email
from allout.risk import high_risk_countries


class PetitionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class PetitionQuerySet(models.QuerySet):
    def open(self, now: datetime | None = None) -> PetitionQuerySet:
        now = now or timezone.now()
        return self.filter(status=PetitionStatus.OPEN).filter(
            Q(deadline__isnull=True) | Q(deadline__gt=now)
        )

    def current(self) -> Petition | None:
        """The petition the site promotes: the newest open one, else the newest of all."""
        petitions = self.with_signature_count().order_by("-created_at")
        return petitions.open().first() or petitions.first()

    def with_signature_count(self) -> PetitionQuerySet:
        """Each petition with its `signature_count` summed from its counter shards, in the
        same query (a list of petitions costs one query, not one per petition)."""
        total = (
            PetitionCounter.objects.filter(petition=OuterRef("pk"))
            .values("petition")
            .annotate(total=Sum("count"))
            .values("total")
        )
        return self.annotate(signature_count=Coalesce(Subquery(total), 0))


class Petition(models.Model):
    """A petition with ordered addressees; signatures count once they are confirmed."""

    slug = models.SlugField(_("slug"), unique=True, help_text=_("Part of the public address."))
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(
        _("summary"), max_length=500, help_text=_("One or two sentences shown above the text.")
    )
    text = models.TextField(_("text"), help_text=_("The petition itself, in Markdown."))
    author = models.CharField(
        _("author organization"), max_length=200, help_text=_("Who started the petition.")
    )
    # The partner whose key pulls the signers who asked for the author's updates (partners/).
    # By name: petitions imports nothing of the partners app, which reads petitions.
    author_organization = models.ForeignKey(
        "partners.PartnerOrganization",
        verbose_name=_("author organization (partner)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="authored_petitions",
        help_text=_(
            "The partner organization whose API key may pull the confirmed signers who asked "
            "for the author's updates."
        ),
    )
    goal = models.PositiveIntegerField(_("goal"), default=100_000)
    status = models.CharField(
        _("status"), max_length=10, choices=PetitionStatus.choices, default=PetitionStatus.OPEN
    )
    deadline = models.DateTimeField(
        _("deadline"), null=True, blank=True, help_text=_("Signing closes at this moment.")
    )
    campaign = models.ForeignKey(
        "allout.Campaign",
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="petitions",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = PetitionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("petition")
        verbose_name_plural = _("petitions")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("petitions:detail", args=[self.slug])

    def is_open(self, now: datetime | None = None) -> bool:
        """Whether the petition accepts signatures now."""
        if self.status != PetitionStatus.OPEN:
            return False
        return self.deadline is None or (now or timezone.now()) < self.deadline

    @cached_property
    def signature_count(self) -> int:
        """The confirmed signatures: the sum of the petition's counter shards.

        `Petition.objects.with_signature_count()` sets it in the query that loads the
        petition; read on an instance loaded without it, it costs one query.
        """
        total = self.counters.aggregate(total=Sum("count"))["total"]
        return total or 0

    def refresh_from_db(self, *args, **kwargs) -> None:
        self.__dict__.pop("signature_count", None)  # read the shards again
        super().refresh_from_db(*args, **kwargs)

    def progress_percent(self) -> int:
        """How far the confirmed count is toward the goal, 0 to 100."""
        if not self.goal:
            return 100
        return min(100, self.signature_count * 100 // self.goal)

    @cached_property
    def text_html(self) -> str:
        return markdown.render(self.text)


class PetitionCounterManager(models.Manager["PetitionCounter"]):
    def add(self, petition_id: int, number: int, *, shard: int = 0) -> None:
        """Add `number` (negative to take off) to one shard of a petition's counter.

        One upsert: a shard's row is made by the first confirmation that lands on it, so
        a new petition needs no rows, and changing SHARDS needs no migration.
        """
        self._upsert([(petition_id, shard, number)])

    def lock_all(self, petition_id: int) -> None:
        """Lock every shard of a petition, in shard order, making the missing ones (at 0).

        A confirmation racing the caller waits on its shard even if that shard had no
        row yet: the caller's insert of it holds the row (or waits for the racing one).
        """
        self._upsert([(petition_id, shard, 0) for shard in range(PetitionCounter.SHARDS)])
        # Shards left over from a larger SHARDS, in order after those.
        list(self.filter(petition_id=petition_id).order_by("shard").select_for_update())

    def _upsert(self, rows: list[tuple[int, int, int]]) -> None:
        table = PetitionCounter._meta.db_table
        values = ", ".join(["(%s, %s, %s)"] * len(rows))
        sql = (
            f"INSERT INTO {table} (petition_id, shard, count) VALUES {values} "  # noqa: S608  # our table; values are placeholders
            f"ON CONFLICT (petition_id, shard) DO UPDATE SET count = {table}.count + EXCLUDED.count"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [value for row in rows for value in row])


class PetitionCounter(models.Model):
    """One shard of a petition's count of confirmed signatures; the count is their sum.

    Every confirmation adds one to a shard in its own transaction and holds that row's
    lock until it commits. On one row for the petition, confirmations at a high rate
    queued behind each other's commits (bench/confirm_contention.py); spread over SHARDS
    rows, they rarely meet. Rows are changed only by petitions.services, with the
    signature rows they count locked first. A shard may go below zero (the migration
    and recount() put a whole count on shard 0, and a deletion later takes a signature
    off its own shard): only the sum means anything.
    """

    # 64 concurrent confirmations: 16 shards left 3.4 of them waiting on a lock on
    # average, 64 shards 0.6 (bench/README.md). A read sums at most this many rows.
    # Changing it needs no migration (reads sum every row there is); a recount run
    # while processes with the old setting still confirm may miss their shards, so
    # recount again once they are gone.
    SHARDS = 64

    petition = models.ForeignKey(
        Petition, verbose_name=_("petition"), on_delete=models.CASCADE, related_name="counters"
    )
    shard = models.PositiveSmallIntegerField(_("shard"))
    count = models.IntegerField(_("count"), default=0)

    objects = PetitionCounterManager()

    class Meta:
        verbose_name = _("signature counter shard")
        verbose_name_plural = _("signature counter shards")
        constraints = [
            # The upsert's conflict target; its index also serves the sum of a
            # petition's shards (with_signature_count(), signature_count).
            models.UniqueConstraint(fields=["petition", "shard"], name="petition_counter_shard"),
        ]

    def __str__(self) -> str:
        return f"{self.petition_id}/{self.shard}: {self.count}"


class Target(models.Model):
    """One addressee of a petition; the page lists them in `position` order."""

    petition = models.ForeignKey(
        Petition, verbose_name=_("petition"), on_delete=models.CASCADE, related_name="targets"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name = models.CharField(_("name"), max_length=200)
    title = models.CharField(_("title or role"), max_length=200, blank=True)
    organization = models.CharField(_("organization"), max_length=200, blank=True)
    country = CountryField(_("country"), blank=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")

    def __str__(self) -> str:
        return self.name


class SignatureQuerySet(models.QuerySet):
    def confirmed(self) -> SignatureQuerySet:
        return self.filter(confirmed_at__isnull=False)

    def unconfirmed(self) -> SignatureQuerySet:
        return self.filter(confirmed_at__isnull=True)

    def public(self) -> SignatureQuerySet:
        """Confirmed signers who asked to be shown, never from a high-risk country.

        The country is checked here, at read time, so signers from a country staff mark
        high-risk later disappear from every page at once.
        """
        return (
            self.confirmed()
            .filter(show_publicly=True)
            .exclude(country__in=sorted(high_risk_countries()))
        )

    def opted_in_to_author(self) -> SignatureQuerySet:
        """Confirmed signers who asked for the author's updates: what the author's key pulls,
        oldest confirmation first (ties by id), so pages never shuffle between requests."""
        return (
            self.confirmed()
            .filter(consent_author=True, consent_author_shared=True)
            .order_by("confirmed_at", "pk")
        )

    def for_email(self, email: str) -> SignatureQuerySet:
        return self.filter(email_normalized=canonical_email(email))


class Signature(models.Model):
    """One person's signature; it counts once the owner of the address confirms it."""

    petition = models.ForeignKey(
        Petition, verbose_name=_("petition"), on_delete=models.CASCADE, related_name="signatures"
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("email"))
    # One person signs once: see allout.addresses.canonical_email().
    email_normalized = models.CharField(_("normalized email"), max_length=254, editable=False)
    country = CountryField(_("country"))
    postcode = models.CharField(_("postcode"), max_length=20, blank=True)
    consent_author = models.BooleanField(_("updates from the author"), default=False)
    # The sign form said, beside the box they ticked, that their details go to the author
    # organization (it does only where the petition has one). Only these are pulled by its
    # key: a signer who ticked the box before the form said so was never asked.
    consent_author_shared = models.BooleanField(
        _("details shared with the author"), default=False, editable=False
    )
    consent_campaign = models.BooleanField(_("updates from the campaign"), default=False)
    show_publicly = models.BooleanField(_("shown publicly"), default=False)
    source = models.CharField(
        _("source"), max_length=100, blank=True, help_text=_("Where the signature came from.")
    )
    # The language of the page they signed on: every email to them is written in it.
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    created_at = models.DateTimeField(_("signed"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True, editable=False)
    # When we last emailed this signer: repeats resend at most once an hour.
    last_emailed_at = models.DateTimeField(_("last emailed"), null=True, blank=True)

    objects = SignatureQuerySet.as_manager()

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        constraints = [
            # One person signs a petition once. Email first, so the same index also finds
            # every signature of an address (data requests, which span petitions).
            models.UniqueConstraint(
                fields=["email_normalized", "petition"], name="signature_once_per_person"
            ),
        ]
        indexes = [
            # The petition page: the most recent confirmed signers who asked to be shown.
            models.Index(
                "petition",
                models.F("confirmed_at").desc(),
                name="signature_public_recent_idx",
                condition=Q(show_publicly=True, confirmed_at__isnull=False),
            ),
            # The author's pulls (partners): a petition's opted-in signers in confirmation order.
            models.Index(
                fields=["petition", "confirmed_at", "id"],
                name="signature_author_optin_idx",
                condition=Q(
                    consent_author=True, consent_author_shared=True, confirmed_at__isnull=False
                ),
            ),
            # The delivery export (confirmed, in order), counts per country and recounts.
            models.Index(
                fields=["petition", "confirmed_at"],
                name="signature_confirmed_idx",
                condition=Q(confirmed_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def is_confirmed(self) -> bool:
        """Whether the owner of the address confirmed the signature (so it counts)."""
        return self.confirmed_at is not None

    def wants_updates(self) -> bool:
        """Whether the signer agreed to hear from the author or the campaign."""
        return self.consent_author or self.consent_campaign
