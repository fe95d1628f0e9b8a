"""Locust users for bench/spike.py: people on the day, one simulated person per user.

Each person comes from an address of their own (X-Forwarded-For, trusted for the run),
pauses one to three seconds between actions, and does what visitors do: the home page, the
petition, the finder (the list, a typed city, the map's nearby.json), an event page. Once
they sign the petition, and they RSVP to up to two events, through the real forms: the page
gives them the CSRF token and the signed time it was shown (allout.antibot), the ALTCHA
widget fetches a challenge and solves it (the `altcha` package, as the browser's worker
does), and they take a few seconds to fill the form in. Then they check their mail: the
SMTP sink (bench/spike_sink.py) files the emails the worker really sent by recipient, and
a person who finds a confirmation link opens it, reads the page and presses Confirm. So a
confirmation comes when its email arrives, never before, as on the day.

Everything the run needs is in the JSON file named by BENCH_SPIKE_PLAN (written by
bench/spike.py): the petition's slug, the events, the sink's directory.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import uuid
from pathlib import Path

import altcha
import gevent
from locust import FastHttpUser, between, task

from bench.spike_sink import inbox

PLAN = json.loads(Path(os.environ["BENCH_SPIKE_PLAN"]).read_text())
PETITION = f"/petitions/{PLAN['petition']}/"
EVENTS: list[dict] = PLAN["events"]
OPEN_EVENTS = [event for event in EVENTS if event["accepts_rsvps"]]
CITIES = sorted({event["city"] for event in EVENTS})
INBOXES = Path(PLAN["inbox_dir"])
# The form is sent at least FORM_MIN_FILL_SECONDS after it was shown: people type.
FILL_SECONDS = (4.0, 8.0)
READ_SECONDS = (1.0, 3.0)
RSVPS_PER_PERSON = 2

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
STARTED_FIELD = re.compile(r'name="form_ref" value="([^"]+)"')
# Both kinds of confirmation link, whole (the token ends before "/confirm/").
CONFIRM_LINK = re.compile(
    r"https?://[^/\s]+(/(?:petitions/signature|events/attend)/[\w:-]+/confirm/)"
)
_addresses = itertools.count(1)


def client_address() -> str:
    """A different client address for each person of the run (10.0.0.1, 10.0.0.2, ...)."""
    number = next(_addresses)
    return f"10.{number >> 16 & 255}.{number >> 8 & 255}.{number & 255}"


class Person(FastHttpUser):
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.headers = {"X-Forwarded-For": client_address()}
        self.email = f"{uuid.uuid4().hex}@spike.invalid"
        self.first_name = random.choice(["Alex", "Sasha", "Kim", "Noor", "Jo", "Ivan"])
        self.signed = False
        self.rsvped: set[str] = set()
        self.opened_links: set[str] = set()

    # --- Requests ---------------------------------------------------------------------
    def _call(self, method: str, path: str, name: str, expect: int = 200, **kwargs) -> str | None:
        """The response's text when its status is `expect`; otherwise a failure, None.

        Redirects are not followed: `expect` says which one is right, and the page it
        leads to is asked for as its own request, as a browser does.
        """
        with self.client.request(
            method,
            path,
            name=name,
            headers=self.headers,
            allow_redirects=False,
            catch_response=True,
            **kwargs,
        ) as response:
            if response.status_code != expect:
                response.failure(f"HTTP {response.status_code}")
                return None
            response.success()
            if expect in (301, 302, 303):
                return response.headers.get("Location")
            return response.text

    def _form_fields(self, page: str) -> dict[str, str] | None:
        """The hidden fields a browser sends back: CSRF token, signed time, ALTCHA payload."""
        csrf, started = CSRF_FIELD.search(page), STARTED_FIELD.search(page)
        if not (csrf and started):
            return None
        payload = self._solve_altcha()
        if payload is None:
            return None
        return {
            "csrfmiddlewaretoken": csrf.group(1),
            "form_ref": started.group(1),
            "website": "",  # the honeypot, left empty as people do
            "altcha": payload,
        }

    def _solve_altcha(self) -> str | None:
        """What the ALTCHA widget does when a form field gets the focus."""
        text = self._call("GET", "/altcha/challenge/", "altcha challenge")
        if text is None:
            return None
        challenge = altcha.Challenge.from_dict(json.loads(text))
        solution = altcha.solve_challenge(challenge)
        return altcha.Payload(challenge, solution).to_base64() if solution else None

    # --- Browsing ---------------------------------------------------------------------
    @task(4)
    def home(self) -> None:
        self._call("GET", "/", "home")

    @task(4)
    def petition(self) -> None:
        self._call("GET", PETITION, "petition")

    @task(2)
    def finder(self) -> None:
        self._call("GET", "/events/", "events list")

    @task(2)
    def finder_city(self) -> None:
        self._call("GET", f"/events/?q={random.choice(CITIES)}", "events ?q=city")

    @task(2)
    def nearby(self) -> None:
        event = random.choice(EVENTS)
        lat = event["lat"] + random.uniform(-0.2, 0.2)
        lng = event["lng"] + random.uniform(-0.2, 0.2)
        self._call("GET", f"/events/nearby.json?lat={lat:.4f}&lng={lng:.4f}", "nearby.json")

    @task(3)
    def event_page(self) -> None:
        self._call("GET", f"/events/{random.choice(EVENTS)['slug']}/", "event page")

    # --- Forms ------------------------------------------------------------------------
    @task(2)
    def sign(self) -> None:
        if self.signed:
            return self.petition()
        page = self._call("GET", PETITION, "petition")
        fields = self._form_fields(page) if page else None
        if fields is None:
            return None
        gevent.sleep(random.uniform(*FILL_SECONDS))
        data = {
            **fields,
            "first_name": self.first_name,
            "last_name": "Spike",
            "email": self.email,
            "country": random.choice(["DE", "FR", "GB", "BR", "US", "IN", "PL", "NL"]),
            "postcode": "10115",
            "show_publicly": "on",
        }
        sent = self._call("POST", f"{PETITION}sign/", "sign (POST)", expect=302, data=data)
        if sent:
            self.signed = True
            self._call("GET", sent, "check your email")
        return None

    @task(1)
    def rsvp(self) -> None:
        choices = [e for e in OPEN_EVENTS if e["slug"] not in self.rsvped]
        if len(self.rsvped) >= RSVPS_PER_PERSON or not choices:
            return self.event_page()
        slug = random.choice(choices)["slug"]
        page = self._call("GET", f"/events/{slug}/", "event page")
        fields = self._form_fields(page) if page else None
        if fields is None:
            return None
        gevent.sleep(random.uniform(*FILL_SECONDS))
        data = {**fields, "first_name": self.first_name, "email": self.email}
        path = f"/events/{slug}/rsvp/"
        sent = self._call("POST", path, "rsvp (POST)", expect=302, data=data)
        if sent:
            self.rsvped.add(slug)
            self._call("GET", sent, "rsvp sent")
        return None

    # --- Mail ---------------------------------------------------------------------------
    @task(3)
    def read_mail(self) -> None:
        """Open the confirmation links that arrived since last time, one by one."""
        if not (self.signed or self.rsvped):
            return
        try:
            mail = inbox(INBOXES, self.email).read_text(encoding="utf-8")
        except FileNotFoundError:  # nothing delivered yet
            return
        for path in CONFIRM_LINK.findall(mail):
            if path not in self.opened_links:
                self.opened_links.add(path)
                self._confirm(path)

    def _confirm(self, path: str) -> None:
        kind = "signature" if path.startswith("/petitions/") else "rsvp"
        page = self._call("GET", path, f"{kind} confirm page")
        csrf = CSRF_FIELD.search(page) if page else None
        if csrf is None:
            return
        gevent.sleep(random.uniform(*READ_SECONDS))
        data = {"csrfmiddlewaretoken": csrf.group(1)}
        done = self._call("POST", path, f"{kind} confirm (POST)", expect=302, data=data)
        if done:
            self._call("GET", done, "thank you" if kind == "signature" else "attendance page")
