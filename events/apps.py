from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Events")

    def ready(self) -> None:
        from events import risk  # connects the signals that drop the cached country list

        # allout.risk (from the petitions work) gathers the high-risk list from every app;
        # until it exists, events keep their own.
        try:
            from allout.risk import register
        except ImportError:
            return
        register(risk.high_risk_country_codes)
