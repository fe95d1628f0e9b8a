"""Demo data for events (manage.py load_demo)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from events.models import Campaign


def next_day_of_action(today: datetime.date | None = None) -> datetime.date:
    """The next 16 March (today included)."""
    today = today or timezone.localdate()
    day = datetime.date(today.year, 3, 16)
    return day if day >= today else datetime.date(today.year + 1, 3, 16)


def load(stdout) -> None:
    day = next_day_of_action()
    campaign, _ = Campaign.objects.update_or_create(
        slug=f"day-of-action-{day.year}",
        defaults={
            "name": "Global day of action for LGBT+ people in Russia",
            "date": day,
            "description": (
                "All Out members around the world protest in front of Russian embassies and in "
                "city centres against the criminalisation of the LGBT+ community in Russia."
            ),
        },
    )
    stdout.write(f"Campaign: {campaign}")
