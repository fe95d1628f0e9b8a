from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"

    def ready(self) -> None:
        from allout import privacy
        from events import participation

        # The data page (linked from every email) shows and erases people's sign-ups.
        privacy.register(
            "events", participation.collect_personal_data, participation.erase_personal_data
        )
