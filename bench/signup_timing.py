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
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import timing

timing.setup()

from allauth.account.models import EmailAddress  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

PASSWORD = "a-long-pass-123"  # noqa: S105 (a throwaway account, rolled back)


def sign_up(email: str, source: str) -> float:
    client = Client(REMOTE_ADDR=source)
    data = {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    started = time.perf_counter()
    response = client.post("/accounts/signup/", data)
    elapsed = time.perf_counter() - started
    assert response.status_code == 302, response.status_code
    return elapsed * 1000


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
            raise timing.Rollback
    except timing.Rollback:
        pass
    print(f"| address | sign-ups {timing.HEADER}")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for label, values in times.items():
        print(timing.summary(label, values))
    ratio = statistics.median(times["known address"]) / statistics.median(times["new address"])
    print(f"\nmedian known / median new: {ratio:.2f}")


if __name__ == "__main__":
    main()
