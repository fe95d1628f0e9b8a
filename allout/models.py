from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Cast, Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from allout import dates
from allout.addresses import canonical_email


class CampaignQuerySet(models.QuerySet):
    def current(self) -> Campaign | None:
        """The campaign whose day is next (or, after the last one, the most recent)."""
        today = timezone.localdate()
        upcoming = self.filter(date__gte=today).order_by("date").first()
        return upcoming or self.order_by("-date").first()


class Campaign(models.Model):
    """A global day of action; the home page shows the current one.

    Events and petitions both belong to a campaign, so it lives here on the shared floor.
    """

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), unique=True)
    date = models.DateField(_("day of action"))
    description = models.TextField(_("description"), blank=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.name} ({dates.day(self.date)})"

    def days_to_go(self, today: datetime.date | None = None) -> int:
        """Whole days from today until the day of action (0 on the day, negative after)."""
        return (self.date - (today or timezone.localdate())).days

    def is_over(self, today: datetime.date | None = None) -> bool:
        """Whether the day of action has passed."""
        return self.days_to_go(today) < 0


class HighRiskCountry(models.Model):
    """A country where public events would endanger people: the platform refuses them.

    No event there is listed publicly, nor is any signer from there (allout.risk).
    """

    country = CountryField(_("country"), unique=True)
    note = models.TextField(_("note for staff"), blank=True)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("high-risk country")
        verbose_name_plural = _("high-risk countries")
        ordering = ["country"]

    def __str__(self) -> str:
        return str(self.country.name)


# Rows never handed to the workers: outbox_unpublished_idx's condition and unpublished()'s.
UNPUBLISHED = Q(
    published_at__isnull=True,
    claimed_at__isnull=True,
    next_attempt_at__isnull=True,
    sent_at__isnull=True,
    failed_at__isnull=True,
)


class OutboxEmailQuerySet(models.QuerySet):
    def unpublished(self) -> OutboxEmailQuerySet:
        """Rows never handed to the workers (the relay's), in pk order: the condition of
        outbox_unpublished_idx, so the relay walks the few rows in it, not every row waiting
        to be sent. A row tried before (its back-off ended) is the sweep's."""
        return self.filter(UNPUBLISHED).order_by("pk")

    def unsent(self) -> OutboxEmailQuerySet:
        """Rows still to send: not sent, not given up on."""
        return self.filter(sent_at__isnull=True, failed_at__isnull=True)

    def due(self, now: datetime.datetime) -> OutboxEmailQuerySet:
        """Unsent rows whose next try is now: never tried, or their back-off has passed."""
        return self.unsent().filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))


class OutboxEmail(models.Model):
    """One email, written in the same transaction as the change it reports.

    A Celery task sends it and marks it sent; a periodic task re-queues rows left unsent,
    so a broker or mail server that is down delays an email but never loses it.
    """

    kind = models.CharField(max_length=100, help_text=_("The message's template name."))
    to = models.EmailField()
    # The data page finds a recipient's emails under any spelling of their address.
    to_canonical = models.CharField(max_length=254, editable=False, default="")
    reply_to = models.EmailField(blank=True)
    subject = models.CharField(max_length=300)
    # Rendered by the worker (allout.mail.render) from `context`, just before each try.
    body_text = models.TextField(blank=True, default="")
    body_html = models.TextField(blank=True)
    # The bodies' template context as JSON (allout.email_context), until the row is sent or
    # given up; then None. Holds what the bodies will: addresses, names, an organizer's words.
    context = models.JSONField(null=True, blank=True, editable=False)
    headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set by the worker that is sending the row; a stale claim means that worker died.
    claimed_at = models.DateTimeField(null=True, blank=True)
    # When its task was last handed to the broker: the sweeper skips a row whose task is
    # still waiting in the queue (OUTBOX_REPUBLISH_SECONDS); it walks outbox_unsent_idx in
    # created_at order and filters on this as it goes. The relay finds the rows never
    # published through outbox_unpublished_idx.
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # After a failed send the row waits until then; the sweeper is the only one to retry.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # Set when the mail server refused the row for good or too many tries failed.
    failed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # Someone else's words (a contact-relay message): the body and the sender's address
    # are blanked as soon as the mail server has accepted the row.
    blank_after_send = models.BooleanField(default=False)
    # The language it was written in (its recipient's: allout.mail.queue), for staff and
    # for anyone who would render it again.
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )

    objects = OutboxEmailQuerySet.as_manager()

    class Meta:
        verbose_name = _("outbox email")
        indexes = [
            # requeue_unsent_email: unsent rows, oldest first; stays tiny as rows get sent.
            models.Index(
                fields=["created_at"],
                name="outbox_unsent_idx",
                condition=Q(sent_at__isnull=True, failed_at__isnull=True),
            ),
            # The relay (publish_new): rows never handed to the workers, by id. Empty again
            # moments after each INSERT, however many rows wait for a worker or a back-off.
            models.Index(fields=["id"], name="outbox_unpublished_idx", condition=UNPUBLISHED),
            # purge_sent_email: sent rows older than the retention period. Of sent rows only:
            # a new row costs this index nothing until it is sent.
            models.Index(
                fields=["sent_at"], name="outbox_sent_idx", condition=Q(sent_at__isnull=False)
            ),
            # purge_sent_email: rows given up on, older than the retention period.
            models.Index(
                fields=["failed_at"], name="outbox_failed_idx", condition=Q(failed_at__isnull=False)
            ),
            # The data page (allout.apps): every email to one canonical address. The page is
            # linked from every email and mail scanners open it, so it must not scan the table.
            models.Index(fields=["to_canonical"], name="outbox_to_canonical_idx"),
            # The data page of a contact-relay sender: the message waiting to go, by Reply-To
            # (the expression `reply_to__iexact` compares).
            models.Index(
                Upper(Cast("reply_to", output_field=models.TextField())),
                name="outbox_reply_to_idx",
                condition=~Q(reply_to=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to}"

    def save(self, *args, **kwargs) -> None:
        self.to_canonical = canonical_email(self.to)
        super().save(*args, **kwargs)

    def is_sent(self) -> bool:
        """Whether the message has left for the mail server."""
        return self.sent_at is not None


class BlockedAddress(models.Model):
    """An address, or a whole domain, whose sign-ups and signatures are silently dropped.

    allout.blocking applies it; the person blocked sees every form accept them as usual.
    """

    class Kind(models.TextChoices):
        ADDRESS = "address", _("One email address")
        DOMAIN = "domain", _("A whole domain (and its subdomains)")

    kind = models.CharField(_("what to block"), max_length=20, choices=Kind.choices)
    value = models.CharField(
        _("address or domain"),
        max_length=254,
        help_text=_(
            "An address (any spelling: Gmail's dots and +tags are ignored) or a domain such "
            "as example.org."
        ),
    )
    note = models.TextField(_("note for staff"), blank=True, help_text=_("Why, and what was seen."))
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("added by"),
    )
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("blocked address")
        verbose_name_plural = _("blocked addresses")
        ordering = ["-created_at"]
        constraints = [
            # Its index serves allout.blocking's lookup (kind and value, on every sign-up).
            models.UniqueConstraint(fields=["kind", "value"], name="blockedaddress_unique"),
        ]

    def __str__(self) -> str:
        return self.value

    def save(self, *args, **kwargs) -> None:
        self.value = self.normalized_value()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.value = self.normalized_value()
        if self.kind == self.Kind.ADDRESS and "@" not in self.value.strip("@"):
            raise ValidationError({"value": _("Enter a whole email address.")})
        if self.kind == self.Kind.DOMAIN and ("@" in self.value or "." not in self.value):
            raise ValidationError({"value": _("Enter a domain such as example.org, without @.")})

    def normalized_value(self) -> str:
        """The value as lookups compare it: a canonical address, or a bare lower-case domain."""
        value = self.value.strip().lower()
        if self.kind == self.Kind.DOMAIN:
            # Through canonical_email so that googlemail.com blocks gmail.com as it should.
            return canonical_email(f"x@{value.lstrip('@')}").rpartition("@")[2]
        return canonical_email(value)
