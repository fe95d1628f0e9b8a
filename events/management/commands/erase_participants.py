from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from events.services import erasure


class Command(BaseCommand):
    help = (
        "Erase the names and emails of participants whose event ended more than "
        "PARTICIPANT_RETENTION_DAYS days ago (counts stay). Celery beat runs it daily."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help=f"Days after the event (default: {settings.PARTICIPANT_RETENTION_DAYS}).",
        )

    def handle(self, *args, days: int | None = None, **options) -> None:
        if days is not None and days < 0:
            raise CommandError("--days must be 0 or more")
        erased = erasure.erase_past_participants(days=days)
        self.stdout.write(self.style.SUCCESS(f"Erased {erased} participants' names and emails."))
