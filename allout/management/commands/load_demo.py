from __future__ import annotations

from importlib import import_module

from django.core.management.base import BaseCommand
from django.db import transaction

from allout import demo

# Each app keeps its own demo data in <app>/demo.py with a load(stdout) function.
DEMO_MODULES = ["events.demo", "petitions.demo", "partners.demo"]


class Command(BaseCommand):
    help = "Load idempotent demo data: accounts, the campaign, events and the petition."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        staff, _ = demo.make_user(demo.STAFF, staff=True)
        staff.groups.add(demo.moderators_group())
        demo.make_user(demo.ORGANIZER)
        demo.make_user(demo.SECOND_ORGANIZER)
        for name in DEMO_MODULES:
            try:
                module = import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name != name:
                    raise
                continue
            module.load(self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write("Demo logins:")
        for login in (demo.STAFF, demo.ORGANIZER, demo.SECOND_ORGANIZER):
            self.stdout.write(f"  {login.role:16} {login.email} / {login.password}")
        self.stdout.write(
            f"  The moderator's two-factor secret (add it to an authenticator app, or run "
            f"`make totp` for a code): {demo.DEMO_TOTP_SECRET}"
        )
