from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Events")

    def ready(self) -> None:
        from allout import privacy
        from allout.models import HighRiskCountry
        from events import risk
        from events.finder import mapdata  # noqa: F401 (drops the cached map when an event changes)
        from events.services import erasure

        # The data page (linked from every email) shows and erases people's sign-ups.
        privacy.register("events", erasure.collect_personal_data, erasure.erase_personal_data)
        # Staff keep the high-risk list in allout; events' cached map follows it.
        post_save.connect(
            risk.list_changed, sender=HighRiskCountry, dispatch_uid="events.risk.saved"
        )
        post_delete.connect(
            risk.list_changed, sender=HighRiskCountry, dispatch_uid="events.risk.deleted"
        )
