from django.core.management.base import BaseCommand

from allout import mail


class Command(BaseCommand):
    help = (
        "Publish each outbox email to the workers as soon as its transaction commits "
        "(LISTEN/NOTIFY); runs until stopped. One process is enough; two are harmless."
    )

    def handle(self, *args, **options) -> None:
        mail.relay()
