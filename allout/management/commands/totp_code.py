from __future__ import annotations

from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from allout import demo


class Command(BaseCommand):
    help = "Print the current two-factor code of the demo moderator (development only)."

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "Only for development: the demo secret is public. Run `make totp`, or "
                "`DEBUG=true .venv/bin/python manage.py totp_code`."
            )
        counters = list(yield_hotp_counters_from_time())
        counter = counters[len(counters) // 2]
        code = format_hotp_value(hotp_value(demo.DEMO_TOTP_SECRET, counter))
        self.stdout.write(f"{demo.STAFF.email}: {code}")
