"""Locust users for bench/petitions_signing.py and bench/rsvp_signing.py: for each, one
through the real view and one through its floor view. Every request signs a new address
from a new client address, with the antibot timestamp of a form shown an hour ago
(BENCH_FORM_REF, signed by the benchmark with the server's key), as a browser sends it.
"""

from __future__ import annotations

import os
import random
import uuid

from locust import FastHttpUser, constant, task
from locust.exception import StopUser

FORM_REF = os.environ["BENCH_FORM_REF"]
# A bound on the work each simulated user does, besides locust's --run-time.
MAX_REQUESTS_PER_USER = int(os.environ.get("BENCH_MAX_REQUESTS_PER_USER", "5000"))
# Any 32 letters: Django accepts its CSRF secret itself as the form's token.
CSRF = "benchbenchbenchbenchbenchbench32"
COUNTRIES = ["DE", "FR", "GB", "BR", "US", "IN", "PL", "RU", "ZA", "NL"]


def form() -> dict[str, str]:
    """A petition signature; the RSVP form takes its first name and address."""
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

    def post_form(self, path: str, data: dict[str, str]) -> None:
        """A real view's POST, as a browser sends it: CSRF cookie and token, the antibot
        timestamp; it must answer 302 to its "check your email" page."""
        data = {**data, "csrfmiddlewaretoken": CSRF, "form_ref": FORM_REF}
        headers = {"Cookie": f"csrftoken={CSRF}", "X-Forwarded-For": client_address()}
        with self.client.post(
            path,
            data=data,
            headers=headers,
            allow_redirects=False,
            name="real",
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"status {response.status_code}")
        self.count_one()

    def post_floor(self, path: str, data: dict[str, str]) -> None:
        with self.client.post(
            path,
            data=data,
            headers={"X-Forwarded-For": client_address()},
            name="floor",
            catch_response=True,
        ) as response:
            if response.status_code != 204:
                response.failure(f"status {response.status_code}")
        self.count_one()


class SignUser(_Signer):
    """The real thing: POST /petitions/<slug>/sign/ → 302 to "check your email"."""

    @task
    def sign(self) -> None:
        self.post_form(f"/petitions/{os.environ['BENCH_SIGN_SLUG']}/sign/", form())


class FloorUser(_Signer):
    """The floor: validate a form, INSERT one row."""

    @task
    def floor(self) -> None:
        self.post_floor(f"/bench/floor/{os.environ['BENCH_FLOOR_PETITION_ID']}/", form())


def rsvp_form() -> dict[str, str]:
    data = form()
    return {"first_name": data["first_name"], "email": data["email"], "consent_organizer": "on"}


class RSVPUser(_Signer):
    """The real thing: POST /events/<slug>/rsvp/ → 302 to "check your email"."""

    @task
    def rsvp(self) -> None:
        self.post_form(f"/events/{os.environ['BENCH_RSVP_SLUG']}/rsvp/", rsvp_form())


class RSVPFloorUser(_Signer):
    """The floor: validate a form, INSERT one Attendance row."""

    @task
    def floor(self) -> None:
        self.post_floor(f"/bench/rsvp-floor/{os.environ['BENCH_FLOOR_EVENT_ID']}/", rsvp_form())


class RSVPBareUser(_Signer):
    """The bare RSVP (bench/rsvp_bare.py): what any sign-up must do, without the guarantees."""

    @task
    def rsvp(self) -> None:
        self.post_form(f"/bench/rsvp-bare/{os.environ['BENCH_BARE_SLUG']}/", rsvp_form())
