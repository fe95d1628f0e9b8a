from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Events")

    def ready(self) -> None:
        from allout import privacy
        from allout.models import HighRiskCountry
        from events import emails, risk, toolkit  # noqa: F401 (emails: its render-time checks)
        from events.finder import mapdata  # noqa: F401 (drops the cached map when an event changes)
        from events.services import (
            alerts,
            cohosts,
            erasure,
            rsvp,  # noqa: F401 (the worker's decision on a repeat)
        )

        # The data page (linked from every email) shows and erases people's sign-ups, and
        # an organizer's events when they delete their account (before the account goes).
        privacy.register(
            "events",
            erasure.collect_personal_data,
            erasure.erase_personal_data,
            title=_("Events you signed up for"),
            labels=erasure.SIGN_UP_LABELS,
            on_delete=_(
                "Your name and email are removed from each sign-up; the event's number of "
                "participants stays, without your details."
            ),
        )
        privacy.register(
            "organized_events",
            erasure.collect_organized_events,
            erasure.erase_organized_events,
            title=_("Events you organize"),
            labels=erasure.ORGANIZED_EVENT_LABELS,
            on_delete=_(
                "Your upcoming events are cancelled and everyone who signed up is told. Past "
                "events stay as counts only: they no longer name you, and their report, "
                "photo, messages and participants' details are removed."
            ),
        )
        privacy.register(
            "cohosting",
            cohosts.collect_cohosting,
            cohosts.erase_cohosting,
            title=_("Events you were invited to co-host"),
            labels=cohosts.COHOSTING_LABELS,
            on_delete=_(
                "You stop co-hosting at once and your address is removed from each "
                "invitation; the organizer keeps their event."
            ),
        )
        privacy.register(
            "protest_alerts",
            alerts.collect_personal_data,
            alerts.erase_personal_data,
            title=_("Protest alerts you asked for"),
            labels=alerts.ALERT_LABELS,
            on_delete=_("Each alert is deleted: we will not email you about protests near it."),
        )
        # A poster without its font would print empty boxes: refuse to start instead.
        checks.register(toolkit.check_fonts)
        # Staff keep the high-risk list in allout; events' cached map follows it.
        post_save.connect(
            risk.list_changed, sender=HighRiskCountry, dispatch_uid="events.risk.saved"
        )
        post_delete.connect(
            risk.list_changed, sender=HighRiskCountry, dispatch_uid="events.risk.deleted"
        )
