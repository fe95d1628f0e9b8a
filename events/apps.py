from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Events")

    def ready(self) -> None:
        from allout import privacy, risk
        from events import risk as event_risk  # connects the signals that drop the cache
        from events.finder import mapdata  # noqa: F401 (drops the cached map when an event changes)
        from events.services import erasure

        # The data page (linked from every email) shows and erases people's sign-ups.
        privacy.register("events", erasure.collect_personal_data, erasure.erase_personal_data)
        # Staff keep the high-risk list in events; petitions read it through allout.risk.
        risk.register(event_risk.stored_codes)
        post_migrate.connect(event_risk.seed, sender=self, dispatch_uid="events.risk.seed")
