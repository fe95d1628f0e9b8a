"""Where a signature's time goes: CPU per request of the real sign view, in one process,
with its parts switched off one by one, beside the floor view.

    DATABASE_URL=postgis://... REDIS_URL=redis://127.0.0.1:6379/12 \\
        .venv/bin/python bench/petitions_sign_breakdown.py [--requests 500]

Process CPU time is counted, not wall time, so other load on the machine matters less.
The request stores the email and publishes nothing (the relay does, in its own process).
Switching parts off is done here only, by replacing functions in this process.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
os.environ["DEBUG"] = "false"
os.environ.setdefault("SECRET_KEY", "bench-only-secret-bench-only-secret-0123456789")
os.environ["ALLOWED_HOSTS"] = "testserver"
os.environ["CELERY_QUEUE"] = f"bench-breakdown-{os.getpid()}"
os.environ["LOG_LEVEL"] = "WARNING"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402

from allout.antibot import started_token  # noqa: E402
from allout.celery import app as celery_app  # noqa: E402
from bench.petitions_signing import SIGN_SLUG, clean, petitions  # noqa: E402
from petitions import emails  # noqa: E402

client = Client()


def form() -> dict[str, str]:
    email = f"{uuid.uuid4().hex}@bench.invalid"
    # The antibot timestamp of a form shown a minute ago: a person's, so nothing is trapped.
    started = started_token(at=time.time() - 60)
    return {
        "first_name": "A",
        "last_name": "B",
        "email": email,
        "country": "DE",
        "form_ref": started,
    }


def sign() -> None:
    # A new client address each time (and each run: the no-JavaScript allowance lasts an
    # hour), so the rate limits do their round trips but refuse nobody.
    address = ".".join(str(random.randint(1, 254)) for _ in range(4))
    response = client.post(f"/petitions/{SIGN_SLUG}/sign/", form(), REMOTE_ADDR=address)
    assert response.status_code == 302, response.status_code


def floor(petition_id: int) -> Callable[[], None]:
    def post() -> None:
        assert client.post(f"/bench/floor/{petition_id}/", form()).status_code == 204

    return post


def cpu_ms(work: Callable[[], None], requests: int) -> float:
    for _ in range(30):
        work()
    started = time.process_time()
    for _ in range(requests):
        work()
    return (time.process_time() - started) / requests * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    clean()
    _, floor_petition = petitions()
    try:
        rows = [("floor view (validate a form, INSERT a row)", floor(floor_petition.pk))]
        rows.append(("sign view, everything", sign))
        results = [(label, cpu_ms(work, args.requests)) for label, work in rows]
        emails.confirm_signature = lambda signature: None
        results.append(("  and without the email (render, store)", cpu_ms(sign, args.requests)))
        settings.RATELIMIT_ENABLED = False
        results.append(("  and without the rate limit", cpu_ms(sign, args.requests)))
    finally:
        clean()
        with celery_app.connection_for_write() as connection:
            connection.default_channel.queue_purge(os.environ["CELERY_QUEUE"])
    print("| what runs | CPU ms per request (this process) |")
    print("| --- | --- |")
    for label, milliseconds in results:
        print(f"| {label} | {milliseconds:.2f} |")


if __name__ == "__main__":
    main()
