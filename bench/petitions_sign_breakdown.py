"""Where a signature's time goes: CPU per request of the real sign view, in one process,
with its parts switched off one by one, beside the floor view.

    DATABASE_URL=postgis://... REDIS_URL=redis://127.0.0.1:6379/12 \\
        .venv/bin/python bench/petitions_sign_breakdown.py [--requests 500] [--rsvp] [--profile]

`--rsvp` measures the event RSVP POST against its floor instead; `--profile` prints the
25 (BENCH_PROFILE_LINES) costliest functions (cProfile, cumulative; BENCH_PROFILE_SORT=tottime
for their own time) of the real view.

Process CPU time is counted, not wall time, so other load on the machine matters less.
The request stores the email and publishes nothing (the relay does, in its own process).
Switching parts off is done here only, by replacing functions in this process.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
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
from bench import rsvp_signing  # noqa: E402
from bench.petitions_signing import SIGN_SLUG, clean, petitions  # noqa: E402
from events import emails as event_emails  # noqa: E402
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


def rsvp() -> None:
    address = ".".join(str(random.randint(1, 254)) for _ in range(4))
    data = {
        "first_name": "A",
        "email": f"{uuid.uuid4().hex}@bench.invalid",
        "form_ref": started_token(at=time.time() - 60),
    }
    response = client.post(f"/events/{rsvp_signing.RSVP_SLUG}/rsvp/", data, REMOTE_ADDR=address)
    assert response.status_code == 302, response.status_code


def rsvp_floor(event_id: int) -> Callable[[], None]:
    def post() -> None:
        data = {"first_name": "A", "email": f"{uuid.uuid4().hex}@bench.invalid"}
        assert client.post(f"/bench/rsvp-floor/{event_id}/", data).status_code == 204

    return post


def profile(work: Callable[[], None], requests: int) -> None:
    """The 25 functions the real view spends most CPU in, cumulative."""
    for _ in range(30):
        work()
    # Process time, as cpu_ms() counts: waiting for PostgreSQL or Redis is not this
    # process's CPU.
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(requests):
        work()
    profiler.disable()
    order = os.environ.get("BENCH_PROFILE_SORT", "cumulative")  # or "tottime"
    pstats.Stats(profiler).sort_stats(order).print_stats(
        int(os.environ.get("BENCH_PROFILE_LINES", "25"))
    )


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
    parser.add_argument("--rsvp", action="store_true", help="the RSVP POST and its floor")
    parser.add_argument("--profile", action="store_true", help="a profile, not the table")
    args = parser.parse_args()
    if args.rsvp:
        return rsvp_main(args)
    clean()
    _, floor_petition = petitions()
    if args.profile:
        try:
            return profile(sign, args.requests)
        finally:
            clean()
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
    table(results)


def rsvp_main(args: argparse.Namespace) -> None:
    rsvp_signing.clean()
    _, floor_event, _ = rsvp_signing.events()
    try:
        if args.profile:
            return profile(rsvp, args.requests)
        rows = [("floor view (validate a form, INSERT a row)", rsvp_floor(floor_event.pk))]
        rows.append(("rsvp view, everything", rsvp))
        results = [(label, cpu_ms(work, args.requests)) for label, work in rows]
        event_emails.attendance_confirm = lambda attendance, **kwargs: None
        results.append(("  and without the email (render, store)", cpu_ms(rsvp, args.requests)))
    finally:
        rsvp_signing.clean()
    table(results)


def table(results: list[tuple[str, float]]) -> None:
    print("| what runs | CPU ms per request (this process) |")
    print("| --- | --- |")
    for label, milliseconds in results:
        print(f"| {label} | {milliseconds:.2f} |")


if __name__ == "__main__":
    main()
