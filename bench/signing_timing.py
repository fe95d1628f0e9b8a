"""How long a signature and an RSVP take for a new address and for one already there.

The two must not be told apart by their time (SPEC: "the same page, status and (within
noise) time either way"). Each round posts, in random order, a new address, one that signed
(or signed up) and has not confirmed, and one that has confirmed, through Django's test
client (every middleware, the form, the outbox), each from a client address of its own so
no rate limit refuses it. Everything runs in one transaction rolled back at the end (the
rate-limit keys in REDIS_URL's database expire within the hour).

    DATABASE_URL=postgis://postgres@127.0.0.1:5432/<a migrated scratch db> \\
    REDIS_URL=redis://127.0.0.1:6379/<its redis db> \\
      .venv/bin/python bench/signing_timing.py --rounds 200
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import timing

timing.setup()

from django.db import transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from allout.antibot import started_token  # noqa: E402
from events.models import Attendance, Event  # noqa: E402
from petitions.models import Petition, Signature  # noqa: E402

# One client for every post (a new one loads every middleware again, WhiteNoise's scan of
# the static files included), without cookies between posts, as each visitor's own.
client = Client()


def post(path: str, data: dict[str, str], source: str) -> float:
    client.cookies.clear()
    data = {**data, "form_ref": started_token(at=time.time() - 60)}
    started = time.perf_counter()
    response = client.post(path, data, REMOTE_ADDR=source)
    elapsed = time.perf_counter() - started
    assert response.status_code == 302, response.status_code
    return elapsed * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    setup_test_environment()
    run = random.randrange(10**6)
    kinds = ("new", "unconfirmed", "confirmed")
    plan = [(what, kind) for what in ("sign", "rsvp") for kind in kinds]
    times: dict[str, list[float]] = {f"{what} {kind}": [] for what, kind in plan}
    try:
        with transaction.atomic():
            petition = Petition.objects.create(
                slug=f"timing-{run}", title="Timing", summary="-", text="-", author="-"
            )
            event = Event.objects.public().upcoming().order_by("starts_at").first()
            assert event is not None, "run load_demo on this database first"
            long_ago = timezone.now() - timedelta(hours=2)  # past the hourly resend
            addresses: dict[str, list[str]] = {kind: [] for kind in kinds}
            for n in range(args.rounds + 1):
                for kind in ("unconfirmed", "confirmed"):
                    email = f"{kind}-{run}-{n}@bench.example"
                    confirmed_at = timezone.now() if kind == "confirmed" else None
                    Signature.objects.create(
                        petition=petition, first_name="A", last_name="B", email=email,
                        email_normalized=email, country="DE", confirmed_at=confirmed_at,
                        last_emailed_at=long_ago,
                    )  # fmt: skip
                    Attendance.objects.create(
                        event=event, first_name="A", email=email, email_normalized=email,
                        status=kind, confirmation_sent_at=long_ago,
                    )  # fmt: skip
                    addresses[kind].append(email)
                addresses["new"].append(f"new-{run}-{n}@bench.example")
            sign_path = f"/petitions/{petition.slug}/sign/"
            rsvp_path = f"/events/{event.slug}/rsvp/"
            for n in range(args.rounds + 1):
                random.shuffle(plan)
                for i, (what, kind) in enumerate(plan):
                    email = addresses[kind][n]
                    # Never the same client twice, in this run or another within the hour
                    # (the no-JavaScript allowance counts per client for an hour).
                    source = f"10.{random.randrange(256)}.{random.randrange(256)}.{i + 1}"
                    if what == "sign":
                        data = {
                            "first_name": "A",
                            "last_name": "B",
                            "email": email,
                            "country": "DE",
                        }
                        elapsed = post(sign_path, data, source)
                    else:
                        elapsed = post(rsvp_path, {"first_name": "A", "email": email}, source)
                    if n:  # the first round warms up templates and caches
                        times[f"{what} {kind}"].append(elapsed)
            raise timing.Rollback
    except timing.Rollback:
        pass
    print(f"| what, address | posts {timing.HEADER}")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for label, values in times.items():
        print(timing.summary(label, values, decimals=2))


if __name__ == "__main__":
    main()
