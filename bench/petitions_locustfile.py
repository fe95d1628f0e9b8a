"""Locust users for bench/petitions_signing.py: one signs through the real view, one
through the floor view. Every request signs a new address from a new client address.
"""

from __future__ import annotations

import os
import random
import uuid

from locust import FastHttpUser, constant, task
from locust.exception import StopUser

SLUG = os.environ["BENCH_SIGN_SLUG"]
FLOOR_PETITION_ID = os.environ["BENCH_FLOOR_PETITION_ID"]
# A bound on the work each simulated user does, besides locust's --run-time.
MAX_REQUESTS_PER_USER = int(os.environ.get("BENCH_MAX_REQUESTS_PER_USER", "5000"))
# Any 32 letters: Django accepts its CSRF secret itself as the form's token.
CSRF = "benchbenchbenchbenchbenchbench32"
COUNTRIES = ["DE", "FR", "GB", "BR", "US", "IN", "PL", "RU", "ZA", "NL"]


def form() -> dict[str, str]:
    return {
        "first_name": "Bench",
        "last_name": "Signer",
        "email": f"{uuid.uuid4().hex}@bench.invalid",
        "country": random.choice(COUNTRIES),
        "postcode": "10115",
    }


def client_address() -> str:
    # The rate limit keys on the client: each request comes from a different one, as on
    # the day, so the limiter's cache round trips are paid but nobody is refused.
    return ".".join(str(random.randint(1, 254)) for _ in range(4))


class _Signer(FastHttpUser):
    abstract = True
    wait_time = constant(0)

    def on_start(self) -> None:
        self.sent = 0

    def count_one(self) -> None:
        self.sent += 1
        if self.sent >= MAX_REQUESTS_PER_USER:
            raise StopUser


class SignUser(_Signer):
    """The real thing: POST /petitions/<slug>/sign/ → 302 to "check your email"."""

    @task
    def sign(self) -> None:
        data = {**form(), "csrfmiddlewaretoken": CSRF}
        headers = {"Cookie": f"csrftoken={CSRF}", "X-Forwarded-For": client_address()}
        with self.client.post(
            f"/petitions/{SLUG}/sign/",
            data=data,
            headers=headers,
            allow_redirects=False,
            name="sign",
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"status {response.status_code}")
        self.count_one()


class FloorUser(_Signer):
    """The floor: validate a form, INSERT one row."""

    @task
    def floor(self) -> None:
        with self.client.post(
            f"/bench/floor/{FLOOR_PETITION_ID}/",
            data=form(),
            headers={"X-Forwarded-For": client_address()},
            name="floor",
            catch_response=True,
        ) as response:
            if response.status_code != 204:
                response.failure(f"status {response.status_code}")
        self.count_one()
