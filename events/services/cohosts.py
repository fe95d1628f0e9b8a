"""Co-hosts: the organizer invites someone by email to share the event's dashboard, the
invitee accepts, the organizer removes them. Every step is logged (CoHostAction) and
emailed, in the transaction of the step.

Nothing here tells the organizer whether an address has an account: an invitation row is
written for any address, with the same work, and the worker emails only an address with a
verified account (invite_if_known). The
invitation link expires (events.cohost_links), works once, and only for an account that
verified the invited address.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from allauth.account.models import EmailAddress
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from allout import mail
from allout.account_data import accounts_of
from allout.addresses import canonical_email
from allout.blocking import is_blocked, is_blocked_account
from allout.i18n import current_language
from events import cohost_links, emails
from events.errors import (
    AlreadyInvited,
    CoHostLimit,
    InvalidTransition,
    InvitationInvalid,
    NotAllowed,
    WrongAccount,
)
from events.models import CoHost, CoHostAction, Event

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# Co-hosts and open invitations per event: each one more person who sees the participants.
MAX_COHOSTS = 5


def _verified_owner(email: str) -> User | None:
    """The account that verified `email`, if any (allauth keeps one verified owner)."""
    address = (
        EmailAddress.objects.filter(email__iexact=email.strip(), verified=True)
        .select_related("user")
        .first()
    )
    if address is None or not address.user.is_active:
        return None
    return address.user


def invite(event: Event, actor: User, email: str) -> CoHost:
    """Invite `email` to co-host `event`; the worker emails the invitation only if the
    address has a verified account (the organizer is told the same either way, after the
    same work)."""
    if event.organizer_id != actor.pk:
        raise NotAllowed(_("Only the event's organizer can invite co-hosts."))
    if not event.accepts_cohosts():
        raise InvalidTransition(_("This event no longer takes co-hosts."))
    canonical = canonical_email(email)
    if canonical == canonical_email(actor.email):
        raise AlreadyInvited(_("That is your own address: you organize this event already."))
    with transaction.atomic():
        # Lock the event so two quick invitations cannot both pass the limit.
        event = Event.objects.select_for_update().get(pk=event.pk)
        live = event.cohosts.live()
        if live.filter(email_normalized=canonical).exists():
            raise AlreadyInvited(_("This address is already invited or co-hosts this event."))
        if live.count() >= MAX_COHOSTS:
            raise CoHostLimit(
                _("An event can have at most %(limit)d co-hosts and open invitations.")
                % {"limit": MAX_COHOSTS}
            )
        try:
            with transaction.atomic():
                cohost = CoHost.objects.create(
                    event=event, email=email.strip(), language=current_language(), invited_by=actor
                )
        except IntegrityError as exc:  # the unique constraint, in a race we lost
            raise AlreadyInvited(
                _("This address is already invited or co-hosts this event.")
            ) from exc
        CoHostAction.objects.create(
            event=event, cohost=cohost, actor=actor, action=CoHostAction.Action.INVITE
        )
        emails.cohost_invited(cohost)
        # Whether the address has an account is the worker's to ask (invite_if_known): the
        # organizer's answer takes the same work either way, so its time does not tell.
        mail.deferred_row(
            INVITATION, cohost.email, {"cohost": cohost}, language=cohost.language
        ).save()
    return cohost


# The worker's decision about the invitation to an account (allout.mail.deferred).
INVITATION = "cohost_invitation_decision"


@mail.deferred(INVITATION)
def invite_if_known(context: dict) -> None:
    """Email the invitation link to the account that holds the invited address, if one does
    (verified), it is not the organizer's, and staff have not blocked it; an invitation
    withdrawn or taken up meanwhile sends nothing."""
    cohost = context["cohost"]
    if cohost.removed_at is not None or cohost.accepted_at is not None:
        return
    invitee = _verified_owner(cohost.email)
    if invitee is not None and invitee.pk != cohost.invited_by_id and not is_blocked(cohost.email):
        emails.cohost_invitation(cohost)


def invitation_for(token: str, user: User) -> CoHost:
    """The pending invitation `token` stands for, if `user` may accept it; else
    InvitationInvalid (or WrongAccount) with the reason for the page."""
    pk = cohost_links.cohost_id(token)
    # Staff's silent block of an account: its links look broken, like any bad link.
    if pk is None or is_blocked_account(user):
        raise InvitationInvalid(
            _("This invitation link is not valid or has expired. Ask the organizer for a new one.")
        )
    cohost = CoHost.objects.select_related("event").filter(pk=pk).first()
    if cohost is None:
        raise InvitationInvalid(_("This invitation no longer exists."), status=410)
    # Before anything about the invitation: another account learns nothing of it.
    if not holds_address(user, cohost.email_normalized):
        raise WrongAccount(
            _(
                "This invitation was sent to another address. Log in with the account that "
                "has verified the address the invitation was sent to."
            )
        )
    if cohost.removed_at is not None:
        raise InvitationInvalid(_("The organizer withdrew this invitation."), status=410)
    if cohost.accepted_at is not None:
        raise InvitationInvalid(_("This invitation has already been used."), status=410)
    if not cohost.event.accepts_cohosts():
        raise InvitationInvalid(_("This event no longer takes co-hosts."), status=410)
    return cohost


def holds_address(user: User, canonical: str) -> bool:
    """Whether `user` verified an address whose canonical form is `canonical`."""
    addresses = EmailAddress.objects.filter(user_id=user.pk, verified=True)
    return any(canonical_email(a) == canonical for a in addresses.values_list("email", flat=True))


def accept(token: str, user: User) -> CoHost:
    """Accept the invitation `token` stands for, as `user`: they share the dashboard now."""
    with transaction.atomic():
        cohost = invitation_for(token, user)
        # Lock the row and look again: two tabs accepting at once accept once.
        cohost = CoHost.objects.select_for_update().select_related("event").get(pk=cohost.pk)
        if cohost.accepted_at is not None or cohost.removed_at is not None:
            raise InvitationInvalid(_("This invitation has already been used."), status=410)
        if cohost.event.organizer_id == user.pk:
            raise InvitationInvalid(_("You organize this event already."), status=409)
        cohost.user = user
        cohost.accepted_at = timezone.now()
        cohost.language = current_language()
        cohost.save(update_fields=["user", "accepted_at", "language"])
        CoHostAction.objects.create(
            event=cohost.event, cohost=cohost, actor=user, action=CoHostAction.Action.ACCEPT
        )
        emails.cohost_accepted(cohost)
    return cohost


def remove(event: Event, actor: User, cohost_pk: int) -> CoHost:
    """The organizer removes a co-host, or withdraws an invitation; at once, since every
    request checks co-hosting afresh (events.access)."""
    if event.organizer_id != actor.pk:
        raise NotAllowed(_("Only the event's organizer can remove co-hosts."))
    with transaction.atomic():
        cohost = (
            CoHost.objects.select_for_update(of=("self",))
            .select_related("event", "user")
            .filter(event=event, pk=cohost_pk, removed_at__isnull=True)
            .first()
        )
        if cohost is None:
            raise InvalidTransition(_("This co-host was already removed."))
        was_active = cohost.is_active()
        cohost.removed_at = timezone.now()
        cohost.save(update_fields=["removed_at"])
        CoHostAction.objects.create(
            event=event, cohost=cohost, actor=actor, action=CoHostAction.Action.REMOVE
        )
        emails.cohost_removed(cohost, was_active=was_active)
    return cohost


def _of_address(email: str):
    """Every invitation and co-hosting of `email` and its accounts, not yet erased."""
    match = Q(user__in=accounts_of(email)) | Q(email_normalized=canonical_email(email))
    return CoHost.objects.filter(match).exclude(email_normalized=ERASED)


def collect_cohosting(email: str) -> list[dict]:
    """What the data page (allout.privacy) shows an address about its co-hosting."""
    rows = _of_address(email).select_related("event").order_by("invited_at")
    return [
        {
            "event": row.event.title,
            "starts": row.event.local_starts_at().isoformat(),
            "invited_address": row.email,
            "status": _status(row),
            "invited": row.invited_at,
        }
        for row in rows
    ]


def _status(row: CoHost) -> str:
    if row.removed_at is not None:
        return _("Removed")
    return _("Co-host") if row.accepted_at is not None else _("Invited")


COHOSTING_LABELS = {
    "event": gettext_lazy("Event"),
    "starts": gettext_lazy("Starts (local time)"),
    "invited_address": gettext_lazy("Invited address"),
    "status": gettext_lazy("Status"),
    "invited": gettext_lazy("Invited"),
}


def erase_cohosting(email: str) -> int:
    """The data page's delete: end the address's co-hosting and forget it."""
    return end_for_erasure(email, [])


def end_for_erasure(email: str, events: list[Event]) -> int:
    """Erasure (events.services.erasure): end the co-hosting of the erased organizer's
    `events`, and every invitation and co-hosting of `email` and its accounts, and forget
    the addresses; returns how many were live. The log stays (it names no address); nobody
    is emailed: the person is leaving, and their co-hosts lose nothing they must be told."""
    match = (
        Q(event__in=events)
        | Q(user__in=accounts_of(email))
        | Q(email_normalized=canonical_email(email))
    )
    rows = CoHost.objects.filter(pk__in=CoHost.objects.filter(match).values("pk"))
    # First end them: the placeholder address may repeat only among removed rows.
    live = rows.filter(removed_at__isnull=True).update(removed_at=timezone.now())
    rows.update(email=ERASED, email_normalized=ERASED)
    return live


ERASED = "erased@invalid"
