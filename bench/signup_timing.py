"""How long sign-up takes for a new address and for one that has an account (see README.md).

The two must not be told apart by their time (SPEC: "the same page, status and (within
noise) time either way"). Each round signs up one new address and one known address, in
random order, through Django's test client (every middleware, the form, the password hash,
the outbox row), each from a client address of its own so no rate limit refuses it.
Everything runs in one transaction that is rolled back at the end: no account, email or
Celery task is left behind (the rate-limit keys in REDIS_URL's database expire in minutes).

    DATABASE_URL=postgis://postgres@127.0.0.1:5432/<a migrated scratch db> \\
    REDIS_URL=redis://127.0.0.1:6379/<its redis db> \\
      .venv/bin/python bench/signup_timing.py --rounds 40
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "allout.settings")
# As in production (DEBUG off: no query log), with a secret of the run's own.
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(40))
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from allauth.account.models import EmailAddress  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

PASSWORD = "a-long-pass-123"  # noqa: S105 (a throwaway account, rolled back)


class Rollback(Exception):
    pass


def sign_up(email: str, source: str) -> float:
    client = Client(REMOTE_ADDR=source)
    data = {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    started = time.perf_counter()
    response = client.post("/accounts/signup/", data)
    elapsed = time.perf_counter() - started
    assert response.status_code == 302, response.status_code
    return elapsed * 1000


def summary(label: str, times: list[float]) -> str:
    times = sorted(times)
    p90 = times[int(len(times) * 0.9) - 1]
    return (
        f"| {label} | {len(times)} | {statistics.median(times):.0f} | "
        f"{statistics.mean(times):.0f} | {p90:.0f} | {times[0]:.0f} | {times[-1]:.0f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    setup_test_environment()  # the test client's host, locmem email
    run = random.randrange(10**6)
    times: dict[str, list[float]] = {"new address": [], "known address": []}
    try:
        with transaction.atomic():
            stored = make_password("the-owners-password")  # one hash for every known account
            known = []
            for n in range(args.rounds + 1):
                email = f"known-{run}-{n}@bench.example"
                user = get_user_model().objects.create(username=email, email=email, password=stored)
                EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
                known.append(email)
            # Warm-up: the first request of a process loads templates and code.
            sign_up(f"warm-{run}@bench.example", "10.9.0.1")
            sign_up(known.pop(), "10.9.0.2")
            for n in range(args.rounds):
                pair = [
                    ("new address", f"new-{run}-{n}@bench.example"),
                    ("known address", known[n]),
                ]
                random.shuffle(pair)
                for i, (label, email) in enumerate(pair):
                    times[label].append(sign_up(email, f"10.{10 + i}.{n // 250}.{n % 250 + 1}"))
            raise Rollback
    except Rollback:
        pass
    print("| address | sign-ups | median ms | mean ms | p90 ms | min ms | max ms |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for label, values in times.items():
        print(summary(label, values))
    ratio = statistics.median(times["known address"]) / statistics.median(times["new address"])
    print(f"\nmedian known / median new: {ratio:.2f}")


if __name__ == "__main__":
    main()
