"""Partner organizations, their API keys, and the log of every pull made with one.

A key hands whoever holds it the names and addresses of people who may be in danger, so
only its SHA-256 is stored: the key is 32 random bytes, so a fast hash is as good as a slow
one (nobody can guess it to test against the hash), and a pull costs no key derivation.
The full key is shown once, when staff issue it (partners.admin), and never again.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# aopk_<prefix>_<secret>: the tag lets secret scanners (and people) recognise a leaked key;
# the prefix finds its row and names it in the admin; the secret is 32 random bytes.
KEY_TAG = "aopk_"
_KEY = re.compile(r"aopk_(?P<prefix>[0-9a-f]{12})_[A-Za-z0-9_-]{43}")
# What a key that matches no row is compared with, so a wrong key costs as long as a right one.
_NO_HASH = hashlib.sha256(b"no such key").hexdigest()


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class PartnerOrganization(models.Model):
    """An organization that works with the campaign: a petition's author, a local group."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), unique=True)
    contact_email = models.EmailField(
        _("contact email"), help_text=_("Who staff write to about the organization's keys.")
    )
    notes = models.TextField(_("notes"), blank=True, help_text=_("For staff only."))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner organization")
        verbose_name_plural = _("partner organizations")

    def __str__(self) -> str:
        return self.name


class ApiKeyQuerySet(models.QuerySet):
    def active(self) -> ApiKeyQuerySet:
        return self.filter(revoked_at__isnull=True)


class ApiKey(models.Model):
    """A partner organization's key to the API; revoked, it opens nothing from that moment."""

    # last_used_at is written at most this often: a partner paging through thousands of
    # signers costs one UPDATE a minute, not one a page.
    USED_EVERY_SECONDS = 60

    organization = models.ForeignKey(
        PartnerOrganization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="api_keys",
    )
    name = models.CharField(
        _("name"), max_length=100, help_text=_("What the key is for, e.g. “CRM sync”.")
    )
    prefix = models.CharField(_("prefix"), max_length=12, unique=True, editable=False)
    hashed_key = models.CharField(_("hashed key"), max_length=64, editable=False)
    created_at = models.DateTimeField(_("issued"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.SET_NULL,
        null=True,
        editable=False,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        # Reading a petition's signers is open to anyone holding a key, so handing one out
        # is a power of its own, not the ordinary "add" of the admin.
        permissions = [("issue_apikey", _("Can issue and revoke API keys"))]

    def __str__(self) -> str:
        return f"{self.organization}: {self.name} ({KEY_TAG}{self.prefix}…)"

    @staticmethod
    def generate() -> tuple[str, str]:
        """A new key and its prefix (the key is for the partner's eyes, once)."""
        prefix = secrets.token_hex(6)
        return f"{KEY_TAG}{prefix}_{secrets.token_urlsafe(32)}", prefix

    @classmethod
    def find(cls, key: str) -> ApiKey | None:
        """The active key `key` is, or None; as long to say no as to say yes.

        The row is found by the prefix (which the admin shows, so it is no secret), and the
        hashes are compared in constant time, a missing row against a stand-in hash.
        """
        match = _KEY.fullmatch(key)
        row = None
        if match:
            row = cls.objects.filter(prefix=match["prefix"]).first()
        expected = row.hashed_key if row else _NO_HASH
        matches = hmac.compare_digest(hash_key(key), expected)  # compared either way
        if row is None or not matches:
            return None
        return row if row.is_active() else None

    def is_active(self) -> bool:
        """Whether the key still opens anything (staff have not revoked it)."""
        return self.revoked_at is None

    def mark_used(self, now: datetime | None = None) -> None:
        """Record a use, at most once a USED_EVERY_SECONDS (one conditional UPDATE)."""
        now = now or timezone.now()
        cutoff = now - timedelta(seconds=self.USED_EVERY_SECONDS)
        if self.last_used_at is not None and self.last_used_at > cutoff:
            return
        stale = Q(last_used_at__isnull=True) | Q(last_used_at__lte=cutoff)
        if ApiKey.objects.filter(pk=self.pk).filter(stale).update(last_used_at=now):
            self.last_used_at = now


class PullLog(models.Model):
    """One request a key made for a petition's signers: who, when, what it asked, what it got.

    Written for every request a valid key makes, including those refused (a petition the key
    does not own): a key that probes other petitions shows here. Never edited.
    """

    api_key = models.ForeignKey(
        ApiKey, verbose_name=_("key"), on_delete=models.PROTECT, related_name="pulls"
    )
    organization = models.ForeignKey(
        PartnerOrganization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="pulls",
    )
    petition = models.ForeignKey(
        "petitions.Petition",
        verbose_name=_("petition"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    slug = models.CharField(_("petition asked for"), max_length=200)
    status = models.PositiveSmallIntegerField(_("status"))
    rows = models.PositiveIntegerField(_("rows returned"), default=0)
    since = models.DateTimeField(_("since"), null=True, blank=True)
    page = models.PositiveIntegerField(_("page"), default=1)
    per_page = models.PositiveIntegerField(_("per page"), default=0)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("pull")
        verbose_name_plural = _("pulls")

    def __str__(self) -> str:
        return f"{self.api_key}: {self.slug} ({self.rows})"


class Withdrawal(models.Model):
    """A signature the organization may have pulled that is no longer theirs to keep: its
    signer deleted it (or all their data) or stopped the author's updates.

    Only the signature's id, which the organization's copy carries as its identifier, and
    when: nothing of the person stays here. The organization reads them with its key
    (GET /api/v1/petitions/<slug>/signatures/withdrawn/) and deletes its copies; they are
    kept WITHDRAWALS_KEPT_DAYS.
    """

    organization = models.ForeignKey(
        PartnerOrganization,
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="withdrawals",
        db_index=False,  # withdrawal_pull_idx leads with it
    )
    # Protected: a petition whose every signer left cannot be deleted before the
    # organization had its WITHDRAWALS_KEPT_DAYS to read that.
    petition = models.ForeignKey(
        "petitions.Petition",
        verbose_name=_("petition"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    signature_id = models.PositiveBigIntegerField(_("signature"))
    # To the minute (partners.services.record_withdrawals): the same moment for the
    # signatures of one erasure on different petitions would tell an organization that
    # holds both that they are one person's.
    withdrawn_at = models.DateTimeField(_("withdrawn"), default=timezone.now)

    class Meta:
        ordering = ["withdrawn_at", "pk"]
        indexes = [
            models.Index(
                fields=["organization", "petition", "withdrawn_at", "id"],
                name="withdrawal_pull_idx",
            ),
            models.Index(fields=["withdrawn_at"], name="withdrawal_age_idx"),
        ]
        verbose_name = _("withdrawal")
        verbose_name_plural = _("withdrawals")

    def __str__(self) -> str:
        return f"allout:signature-{self.signature_id}"


# How long an organization can read a withdrawal: time enough for a weekly sync to miss a
# few runs. Purged daily after it (partners.tasks).
WITHDRAWALS_KEPT_DAYS = 90
