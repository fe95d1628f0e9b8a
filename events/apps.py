from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"

    def ready(self) -> None:
        # Connects the receivers that drop the cached map when an event changes.
        from events import mapdata  # noqa: F401
