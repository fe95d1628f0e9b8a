from django.core.management.base import BaseCommand
from django.db import transaction

from allout import emails


class Command(BaseCommand):
    help = "Queue a test email through the outbox to check that mail leaves the platform."

    def add_arguments(self, parser) -> None:
        parser.add_argument("to")

    def handle(self, *args, to: str, **options) -> None:
        with transaction.atomic():
            emails.test_message(to)
        self.stdout.write(f"Queued a test email to {to}; a worker sends it.")
