"""The one error hierarchy of the events app: a broken rule, with a message for the person
who acted. Views show the message; the admin shows it as an error notice.
"""

from __future__ import annotations

from django.utils.translation import gettext as _


class EventsError(Exception):
    """A rule of the events workflows was broken; the message can be shown to the user."""


class NotAllowed(EventsError):
    """The acting user may not do this to this event."""


class HighRiskPlace(EventsError):
    """Public events cannot be listed in a country that staff mark high-risk."""

    def __init__(self, country: str) -> None:
        self.country = country
        super().__init__(_("Public events cannot be listed in this country."))


class RegistrationLimit(EventsError):
    """The organizer has as many events waiting for review, or registered today, as we take."""


class InvalidTransition(EventsError):
    """The event (or report) is not in a state this step can start from."""


class ReasonRequired(EventsError):
    """Rejecting an event needs a reason the organizer receives."""


class RSVPClosed(EventsError):
    """The event is not taking sign-ups (not approved, cancelled or over)."""


class SignUpCancelled(EventsError):
    """A confirmation link of a sign-up that its owner cancelled."""


class EventOver(EventsError):
    """The event has ended: a sign-up can no longer be cancelled."""


class NoParticipants(EventsError):
    """A message to participants when nobody has confirmed."""


class MessageLimitReached(EventsError):
    """The organizer sent their daily number of messages already."""


class OutcomeTooEarly(EventsError):
    """The outcome of an event can be reported once it is over."""


class UnreadablePhoto(EventsError):
    """The outcome photo is not an image we can read, or is too large to decode."""


class CoHostLimit(EventsError):
    """The event has as many co-hosts and open invitations as we allow."""


class AlreadyInvited(EventsError):
    """The address is the organizer's own, or has a live invitation or co-hosting."""


class InvitationInvalid(EventsError):
    """A co-host invitation link that is forged, expired, used, withdrawn or for an event
    that no longer takes co-hosts. `status` is the HTTP status its page answers with."""

    def __init__(self, message: str, status: int = 400) -> None:
        self.status = status
        super().__init__(message)


class WrongAccount(InvitationInvalid):
    """An invitation opened by an account that has not verified the invited address."""

    def __init__(self, message: str) -> None:
        super().__init__(message, status=403)
