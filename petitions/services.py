"""Signing, confirming and deleting signatures: the workflows that keep the counter right.

The counter (`Petition.signature_count`, the sum of the petition's `PetitionCounter`
shards) moves only here, in the transaction that confirms or deletes the signature it
counts: a signature is counted on shard `pk % SHARDS`, so concurrent confirmations rarely
wait on one another's row. Signature rows are always locked before counter rows, and
counter rows in (petition, shard) order, so these workflows cannot deadlock one another.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Case, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from allout import mail
from allout.addresses import canonical_email
from allout.blocking import is_blocked
from allout.i18n import current_language
from allout.risk import is_high_risk
from allout.rows import next_id
from petitions import emails
from petitions.models import Petition, PetitionCounter, Signature
from petitions.signals import signatures_withdrawn

# A repeat signature emails its signer again at most this often.
RESEND_AFTER = timedelta(hours=1)


class SigningError(Exception):
    """A signature cannot be taken or confirmed; the message is fit for the signer."""


class PetitionClosed(SigningError):
    def __init__(self) -> None:
        super().__init__(_("This petition is closed and no longer takes signatures."))


def sign(
    petition: Petition,
    *,
    first_name: str,
    last_name: str,
    email: str,
    country: str,
    postcode: str = "",
    consent_author: bool = False,
    consent_campaign: bool = False,
    show_publicly: bool = False,
    source: str = "",
) -> Signature:
    """Record an unconfirmed signature and email its confirmation link; returns it.

    A repeat is left to the worker (sign_again), and what is returned then is the repeat
    as typed, not stored. The caller shows the same page in every case, after the same
    work, so nobody learns who has signed.
    """
    if not petition.is_open():
        raise PetitionClosed
    if is_blocked(email):
        # Silently (allout.blocking): the same page as anyone's, and nothing stored or sent.
        return Signature(petition=petition, first_name=first_name, last_name=last_name, email=email)
    details = {
        "first_name": first_name,
        "last_name": last_name,
        "email": email,
        "country": country,
        "postcode": postcode,
        "consent_author": consent_author,
        # What the form told them beside that box (petitions.forms.SignatureForm).
        "shared_with_id": petition.author_organization_id if consent_author else None,
        "consent_campaign": consent_campaign,
        # Signers from high-risk countries are never listed, whatever they ticked.
        "show_publicly": show_publicly and not is_high_risk(country),
        "source": source,
        # A repeat takes the language of its page, as it takes the other details.
        "language": (language := current_language()),
    }
    now = timezone.now()
    normalized = canonical_email(email)
    signature = Signature(
        pk=next_id(Signature),  # its email's links carry it
        petition=petition,
        email_normalized=normalized,
        last_emailed_at=now,
        **details,
    )
    with mail.held() as held:
        emails.confirm_signature(signature)  # built, not stored
    # The signature and its email in one statement or, for a repeat (a racing twin's too),
    # the worker's decision about it (sign_again) in its place: either way one INSERT of
    # the same size, so the answer's time does not tell whether the address had signed.
    repeat = mail.deferred_row(
        REPEAT,
        email,
        {"petition": petition, "email_normalized": normalized, "details": details},
        language=language,
    )
    mail.insert_new_with_email(signature, held, otherwise=repeat)
    return signature


# The worker's decision about a repeat signature (allout.mail.deferred).
REPEAT = "petition_repeat"


@mail.deferred(REPEAT)
def sign_again(context: dict) -> None:
    """A repeat of a signature, as the worker takes it: an unconfirmed signature takes the
    new details (its owner still has to confirm, and the confirm page shows them) and its
    link again; the owner of a confirmed one hears of the repeat. Either way at most once
    an hour."""
    petition, details = context["petition"], context["details"]
    signature = Signature.objects.filter(
        petition=petition, email_normalized=context["email_normalized"]
    ).first()
    if signature is None:  # deleted since (by its owner, or never confirmed and purged)
        return
    # A confirmed signature never changes.
    unconfirmed = Signature.objects.unconfirmed().filter(pk=signature.pk)
    if not signature.is_confirmed() and unconfirmed.update(**details):
        for field, value in details.items():
            setattr(signature, field, value)
    if _claim_email_slot(signature, timezone.now()):
        if signature.is_confirmed():
            emails.already_signed(signature)
        else:
            emails.confirm_signature(signature)


def _claim_email_slot(signature: Signature, now: datetime) -> bool:
    """Whether we may email this signer now; one UPDATE decides, so racing repeats send once."""
    due = Q(last_emailed_at__isnull=True) | Q(last_emailed_at__lte=now - RESEND_AFTER)
    return bool(Signature.objects.filter(pk=signature.pk).filter(due).update(last_emailed_at=now))


def confirm(signature: Signature) -> bool:
    """Count `signature`; True if this call confirmed it, False if it was confirmed already
    (or its address was blocked after it signed: the signer sees the usual thanks)."""
    if signature.is_confirmed() or is_blocked(signature.email):
        return False
    if not signature.petition.is_open():
        raise PetitionClosed
    now = timezone.now()
    with transaction.atomic():
        # A conditional UPDATE: a second confirmation (double click, two tabs) waits for
        # the first one's row lock, then finds confirmed_at set and changes nothing.
        confirmed = Signature.objects.unconfirmed().filter(pk=signature.pk).update(confirmed_at=now)
        if confirmed:
            PetitionCounter.objects.add(signature.petition_id, 1, shard=_shard(signature.pk))
    if confirmed:
        signature.confirmed_at = now
    return bool(confirmed)


def delete_signatures(queryset: QuerySet[Signature]) -> int:
    """Delete signatures and take the confirmed ones off their petitions' counts."""
    with transaction.atomic():
        # Lock the rows first (in one order, against deadlocks): a confirmation racing
        # this waits, then finds no row left to confirm and counts nothing.
        rows = list(
            Signature.objects.filter(pk__in=queryset.values("pk"))
            .order_by("pk")
            .select_for_update()
            .values_list("pk", "petition_id", "confirmed_at")
        )
        if not rows:
            return 0
        locked = Signature.objects.filter(pk__in=[pk for pk, _, _ in rows])
        signatures_withdrawn.send(Signature, signatures=locked)
        locked.delete()
        counted = Counter(
            (petition_id, _shard(pk)) for pk, petition_id, confirmed_at in rows if confirmed_at
        )
        for (petition_id, shard), number in sorted(counted.items()):
            PetitionCounter.objects.add(petition_id, -number, shard=shard)
    return len(rows)


def _shard(signature_pk: int) -> int:
    """The counter shard a signature is counted on (and taken off again)."""
    return signature_pk % PetitionCounter.SHARDS


def delete_signature(signature_pk: int) -> bool:
    """Delete one signature (a no-op if it is gone already); True if this call deleted it."""
    return delete_signatures(Signature.objects.filter(pk=signature_pk)) == 1


def stop_updates(signature_pk: int) -> None:
    """Withdraw both consents to hear from the author and the campaign; an organization that
    may have pulled the signer is told to delete its copy (signatures_withdrawn)."""
    with transaction.atomic():
        signature = Signature.objects.filter(pk=signature_pk).select_for_update()
        signatures_withdrawn.send(Signature, signatures=signature)
        signature.update(consent_author=False, shared_with=None, consent_campaign=False)


def purge_unconfirmed(older_than: timedelta) -> int:
    """Delete signatures never confirmed: their link has expired and we keep no spare data.

    A confirmation racing this either commits first (and the row no longer matches) or
    finds the row gone; unconfirmed rows are not counted, so the counter is untouched.
    """
    cutoff = timezone.now() - older_than
    # By the last email, not the first: a repeat sends a fresh link, valid as long again.
    deleted, _ = (
        Signature.objects.unconfirmed()
        .filter(created_at__lt=cutoff)
        .filter(Q(last_emailed_at__isnull=True) | Q(last_emailed_at__lt=cutoff))
        .delete()
    )
    return deleted


def recount(petition: Petition) -> int:
    """Set the counter from the confirmed rows (a repair tool for staff); returns it.

    With every shard locked first, a confirmation or deletion either committed before the
    count (and is in it) or waits for its shard and lands on the new total.
    """
    with transaction.atomic():
        PetitionCounter.objects.lock_all(petition.pk)
        count = Signature.objects.confirmed().filter(petition=petition).count()
        shards = PetitionCounter.objects.filter(petition=petition)
        shards.update(count=Case(When(shard=0, then=Value(count)), default=Value(0)))
    petition.signature_count = count
    return count


# --- The "my data" page (allout.privacy) ------------------------------------------------
def collect_for_email(email: str) -> list[dict]:
    """Every signature of `email`, as the signer's data export shows it."""
    rows = Signature.objects.for_email(email).select_related("petition").order_by("created_at")
    return [
        {
            "petition": row.petition.title,
            "first_name": row.first_name,
            "last_name": row.last_name,
            "email": row.email,
            "country": row.country.code,
            "postcode": row.postcode,
            "updates_from_author": row.consent_author,
            "shared_with_author": row.consent_author and row.shared_with_id is not None,
            "updates_from_campaign": row.consent_campaign,
            "shown_publicly": row.show_publicly,
            "email_language": row.get_language_display(),
            "signed": row.created_at,
            "confirmed": row.confirmed_at,
        }
        for row in rows
    ]


SIGNATURE_LABELS = {
    "petition": _("Petition"),
    "first_name": _("First name"),
    "last_name": _("Last name"),
    "email": _("Email"),
    "country": _("Country"),
    "postcode": _("Postcode"),
    "updates_from_author": _("Updates from the petition's author"),
    "shared_with_author": _("Details shared with the petition's author"),
    "updates_from_campaign": _("Updates from the campaign"),
    "shown_publicly": _("Name shown publicly"),
    "email_language": _("Language of our emails"),
    "signed": _("Signed"),
    "confirmed": _("Confirmed"),
}


def erase_for_email(email: str) -> int:
    """Delete every signature of `email`, under any spelling of it; confirmed ones come off
    the counts. The emails sent about them go with the outbox's own eraser (allout.apps),
    which finds them under every spelling too.
    """
    return delete_signatures(Signature.objects.for_email(email))
