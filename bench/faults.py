"""The day's faults on the whole stack: what people saw, and whether every email left once.

Four faults, one after the other, on one stack (issue 11), each with a run without a fault
before it for comparison:

- **Redis stopped** (broker, cache and rate limits at once), then started again empty, as
  a crashed Redis with nothing on disk comes back: its queued tasks are gone.
- **Redis hung**: the process is SIGSTOPped, so its port still accepts connections and
  nothing answers (a hung server, a firewall dropping packets), then SIGCONTinued.
- **A greylisting mail server**: `451 4.7.1` to the first RCPT TO of each recipient.
- **A mail server refusing** every MAIL FROM with `421 4.3.2` for --refuse-seconds.

It makes a scratch database (`<DATABASE_URL's name>_faults`: migrate, load_demo,
collectstatic; dropped at the end), a private redis-server on a free port (nothing on disk;
the machine's Redis is never touched, so REDIS_URL is not read), an SMTP sink in this
process that counts what each address receives, and every process the Procfile names (web
with 4 gunicorn workers as docker-compose.yml, worker, relay, beat), DEBUG off, production's
settings otherwise: rate limits, the anti-bot checks and the mail budget all on.

During each fault --users people, each from a client address of their own, go round the
home page, the petition page and its sign form, an event page and its RSVP form, and the
account sign-up form, as a browser does: the page, then (after 3.5-5 s of filling in, the
form's own minimum being 3) the POST with the page's CSRF token and signed time, no
JavaScript (no ALTCHA solution: the forms' slower no-JavaScript allowance), 1-3 s between
pages, a new address for every form. A thread asks /healthz twice a second. Afterwards: the
answers by kind (status, p50, p99, the slowest), what /healthz said, every accepted form's
row in the database, and how long after the fault ended every accepted form's email had
reached the sink, and how many reached it twice.

    DATABASE_URL=postgis://postgres@127.0.0.1:5432/allout_x \\
        .venv/bin/python bench/faults.py [--users 30] [--seconds 30] [--refuse-seconds 120]

Figures: bench/README.md.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from aiosmtpd.controller import Controller

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.spike import (
    Stack,
    drop_database,
    fmt,
    free_port,
    manage,
    procfile_commands,
    recreate_database,
    scratch_url,
    wait_for,
    warm_up,
)

DOMAIN = "faults.invalid"
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
STARTED_FIELD = re.compile(r'name="form_ref" value="([^"]+)"')
FILL_SECONDS = (3.5, 5.0)  # FORM_MIN_FILL_SECONDS is 3
THINK_SECONDS = (1.0, 3.0)
# What the issue promises of every answer while a service is down or hung.
TARGET_SECONDS = 2.0
SCENARIOS = ("none", "redis-stopped", "redis-hung", "greylisting", "refusing")
KINDS = ("home", "petition page", "sign", "event page", "rsvp", "sign-up page", "sign-up")


# --- The mail server ----------------------------------------------------------------
class Sink:
    """An SMTP server in this process: counts what each address receives, and answers as
    the scenario says (`mode`: "accept", "greylist" or "refuse")."""

    def __init__(self) -> None:
        self.mode = "accept"
        self.received: Counter[str] = Counter()
        self.greylisted: set[str] = set()
        self.refused = 0
        self.lock = threading.Lock()

    async def handle_MAIL(self, server, session, envelope, address, mail_options) -> str:
        if self.mode == "refuse":
            with self.lock:
                self.refused += 1
            return "421 4.3.2 Service not available, try again later"
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if self.mode == "greylist":
            with self.lock:
                first = address.lower() not in self.greylisted
                self.greylisted.add(address.lower())
            if first:
                return "451 4.7.1 Greylisted, please try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.lock:
            self.received.update(address.lower() for address in envelope.rcpt_tos)
        return "250 Message accepted for delivery"

    def count(self, addresses: set[str]) -> tuple[int, int]:
        """How many of `addresses` received something, and how many received it twice."""
        with self.lock:
            got = [self.received[address] for address in addresses]
        return sum(1 for n in got if n), sum(1 for n in got if n > 1)


# --- Redis ------------------------------------------------------------------------------
class PrivateRedis:
    """A redis-server of this run's own, on a free port, keeping nothing on disk."""

    def __init__(self, logs: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.logs = logs
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"],
            stdout=(self.logs / "redis.log").open("ab"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while (
            subprocess.run(
                ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, check=False
            ).stdout.strip()
            != b"PONG"
        ):
            if time.monotonic() > deadline:
                raise RuntimeError("the private redis-server did not start")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGCONT)  # in case it was hung
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def hang(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGCONT)


# --- People -------------------------------------------------------------------------------
class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 302 is the answer, as for a browser's form


@dataclass
class Answer:
    kind: str
    status: int  # 0: no answer within the client's timeout, or the connection failed
    seconds: float


@dataclass
class Load:
    """People going round the site until `stop` is set; what they were answered."""

    base: str
    petition: str
    event: str
    scenario: str
    answers: list[Answer] = field(default_factory=list)
    # The first 4xx page each kind was answered with, its words only (what went wrong).
    refusals: dict[str, str] = field(default_factory=dict)
    accepted: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    numbers: Iterator[int] = field(default_factory=lambda: iter(range(10**9)))

    def person(self, number: int) -> None:
        rounds = 0
        while not self.stop.is_set():
            rounds += 1
            # A client address for each round: the forms' no-JavaScript allowance is a few
            # an hour for each source, as for a person.
            address = f"10.{number // 250}.{number % 250}.{rounds % 250}"
            opener = urllib.request.build_opener(
                urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect
            )
            opener.addheaders = [("X-Forwarded-For", address)]
            self._round(opener)

    def _round(self, opener) -> None:
        self._get(opener, "/", "home")
        page = self._get(opener, self.petition, "petition page")
        self._post(opener, page, f"{self.petition}sign/", "sign", self._sign_form)
        page = self._get(opener, self.event, "event page")
        self._post(opener, page, f"{self.event}rsvp/", "rsvp", self._rsvp_form)
        page = self._get(opener, "/accounts/signup/", "sign-up page")
        self._post(opener, page, "/accounts/signup/", "sign-up", self._signup_form)

    def _address(self, kind: str) -> str:
        with self.lock:
            return f"{self.scenario}-{kind}-{next(self.numbers)}@{DOMAIN}"

    @staticmethod
    def _sign_form(email: str) -> dict[str, str]:
        return {"first_name": "Anna", "last_name": "Faults", "email": email, "country": "DE",
                "postcode": "10115"}  # fmt: skip

    @staticmethod
    def _rsvp_form(email: str) -> dict[str, str]:
        return {"first_name": "Anna", "email": email, "consent_organizer": "on"}

    @staticmethod
    def _signup_form(email: str) -> dict[str, str]:
        password = "a long passphrase for the bench"  # noqa: S105 (a scratch account)
        return {"email": email, "password1": password, "password2": password}

    def _get(self, opener, path: str, kind: str) -> str | None:
        if self.stop.is_set():
            return None
        status, body = self._open(opener, urllib.request.Request(self.base + path), kind)  # noqa: S310
        time.sleep(random.uniform(*THINK_SECONDS))
        return body if status == 200 else None

    def _post(
        self, opener, page: str | None, path: str, kind: str, form: Callable[[str], dict]
    ) -> None:
        if page is None or self.stop.is_set():
            return
        csrf, started = CSRF_FIELD.search(page), STARTED_FIELD.search(page)
        if not (csrf and started):
            return
        time.sleep(random.uniform(*FILL_SECONDS))
        email = self._address(kind)
        data = {"csrfmiddlewaretoken": csrf.group(1), "form_ref": started.group(1),
                "website": "", **form(email)}  # fmt: skip
        request = urllib.request.Request(  # noqa: S310 (the run's own gunicorn)
            self.base + path, data=urllib.parse.urlencode(data).encode()
        )
        status, _ = self._open(opener, request, kind)
        if status == 302:
            with self.lock:
                self.accepted[kind].add(email)
        time.sleep(random.uniform(*THINK_SECONDS))

    def _open(self, opener, request, kind: str) -> tuple[int, str | None]:
        started = time.monotonic()
        try:
            with opener.open(request, timeout=30) as response:
                status, body = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, body = error.code, None
            if 400 <= status < 500 and kind not in self.refusals:
                self.refusals[kind] = what_went_wrong(error.read().decode())
        except OSError:
            status, body = 0, None
        with self.lock:
            self.answers.append(Answer(kind, status, time.monotonic() - started))
        return status, body


ERRORS = re.compile(r'(?s)<(div|ul|p)[^>]*class="[^"]*(?:errorlist|message-error)[^"]*".*?</\1>')


def what_went_wrong(page: str) -> str:
    """The words of a refused form's error messages (templates/_form_errors.html)."""
    errors = " ".join(match.group(0) for match in ERRORS.finditer(page)) or page[:300]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", errors)).strip()


class Health(threading.Thread):
    """/healthz twice a second: its status and how long it took."""

    def __init__(self, base: str) -> None:
        super().__init__(daemon=True)
        self.base = base
        self.answers: list[Answer] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.5):
            started = time.monotonic()
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=30) as response:  # noqa: S310
                    status = response.status
            except urllib.error.HTTPError as error:
                status = error.code
            except OSError:
                status = 0
            self.answers.append(Answer("healthz", status, time.monotonic() - started))


@contextmanager
def people(load: Load, users: int) -> Iterator[Health]:
    health = Health(load.base)
    threads = [threading.Thread(target=load.person, args=(n,)) for n in range(users)]
    health.start()
    for thread in threads:
        thread.start()
        time.sleep(0.05)
    try:
        yield health
    finally:
        load.stop.set()
        for thread in threads:
            thread.join()
        health.stopped.set()
        health.join()


# --- The books ------------------------------------------------------------------------
def stored(accepted: dict[str, set[str]]) -> dict[str, tuple[int, int]]:
    """For each form: the answers it accepted, and the rows the database holds for them."""
    from allauth.account.models import EmailAddress

    from events.models import Attendance
    from petitions.models import Signature

    models = {
        "sign": Signature.objects.filter(email__in=accepted["sign"]),
        "rsvp": Attendance.objects.filter(email__in=accepted["rsvp"]),
        "sign-up": EmailAddress.objects.filter(email__in=accepted["sign-up"]),
    }
    return {kind: (len(accepted[kind]), query.count()) for kind, query in models.items()}


def delivery(
    sink: Sink, addresses: set[str], since: float, timeout: float
) -> tuple[float | None, int, int]:
    """Seconds from `since` until every address had its email (None: not within `timeout`),
    then how many had it and how many had it twice, after 10 s more for a duplicate."""
    while sink.count(addresses)[0] < len(addresses):
        if time.monotonic() - since > timeout:
            break
        time.sleep(0.25)
    got = sink.count(addresses)[0]
    seconds = time.monotonic() - since if got == len(addresses) else None
    time.sleep(10)
    got, twice = sink.count(addresses)
    return seconds, got, twice


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] if ordered else 0.0


@dataclass
class Result:
    scenario: str
    answers: list[Answer]
    health: list[Answer]
    stored: dict[str, tuple[int, int]]
    delivered_after: float | None
    emails: int
    delivered: int
    twice: int
    facts: dict[str, str] = field(default_factory=dict)


def answers_table(results: list[Result]) -> None:
    print("| scenario | answers | 2xx/3xx | 4xx | 5xx | none | p50 ms | p99 ms | slowest ms "
          "| slowest kind | over 2 s |")  # fmt: skip
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |")
    for result in results:
        answers = result.answers
        statuses = Counter(a.status // 100 for a in answers)
        seconds = [a.seconds for a in answers]
        slowest = max(answers, key=lambda a: a.seconds) if answers else None
        over = sum(1 for a in answers if a.seconds > TARGET_SECONDS)
        print(
            f"| {result.scenario} | {len(answers)} | {statuses[2] + statuses[3]} | {statuses[4]} "
            f"| {statuses[5]} | {statuses[0]} | {percentile(seconds, 0.5) * 1000:.0f} "
            f"| {percentile(seconds, 0.99) * 1000:.0f} "
            f"| {slowest.seconds * 1000 if slowest else 0:.0f} | {slowest.kind if slowest else ''} "
            f"| {over} |"
        )


def kinds_table(result: Result) -> None:
    print(f"\n{result.scenario}, by kind:\n")
    print("| kind | answers | statuses | p50 ms | p99 ms | slowest ms |")
    print("| --- | ---: | --- | ---: | ---: | ---: |")
    for kind in (*KINDS, "healthz"):
        answers = result.health if kind == "healthz" else result.answers
        answers = [a for a in answers if a.kind == kind]
        if not answers:
            continue
        seconds = [a.seconds for a in answers]
        statuses = ", ".join(
            f"{s}: {n}" for s, n in sorted(Counter(a.status for a in answers).items())
        )
        print(
            f"| {kind} | {len(answers)} | {statuses} | {percentile(seconds, 0.5) * 1000:.0f} "
            f"| {percentile(seconds, 0.99) * 1000:.0f} | {max(seconds) * 1000:.0f} |"
        )


def books_table(results: list[Result]) -> None:
    print("\n| scenario | signs kept | RSVPs kept | sign-ups kept | emails | delivered "
          "| twice | all delivered after the fault ended | |")  # fmt: skip
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for result in results:
        kept = [
            f"{rows} of {answered}"
            for answered, rows in (result.stored[k] for k in ("sign", "rsvp", "sign-up"))
        ]
        after = f"{result.delivered_after:.1f} s" if result.delivered_after is not None else "NOT"
        facts = "; ".join(f"{key}: {value}" for key, value in result.facts.items())
        print(
            f"| {result.scenario} | {' | '.join(kept)} | {result.emails} | {result.delivered} "
            f"| {result.twice} | {after} | {facts} |"
        )


# --- The run ----------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=30, help="people at once")
    parser.add_argument("--seconds", type=float, default=30, help="each fault's length")
    parser.add_argument("--refuse-seconds", type=float, default=120, help="the refusing server's")
    parser.add_argument(
        "--drain-timeout", type=float, default=600, help="seconds to wait for emails"
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch database and logs")
    parser.add_argument("--only", nargs="+", choices=SCENARIOS, help="these faults alone")
    args = parser.parse_args()
    # A stopped run still stops what it started (the finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))

    url, name = scratch_url(os.environ["DATABASE_URL"], suffix="_faults")
    out = Path(tempfile.mkdtemp(prefix="faults-"))
    redis_server = PrivateRedis(out)
    redis_server.start()
    sink = Sink()
    smtp = Controller(sink, hostname="127.0.0.1", port=free_port())
    smtp.start()
    base = f"http://127.0.0.1:{free_port()}"
    env = {
        **os.environ,
        "DEBUG": "false",
        "DATABASE_URL": url,
        "REDIS_URL": redis_server.url,
        "SECRET_KEY": "faults-bench-only-secret-faults-bench-only-secret-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": base,
        "SECURE_COOKIES": "false",
        "TRUST_X_FORWARDED_FOR": "true",
        "CELERY_QUEUE": f"faults-{os.getpid()}",
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}",
        "HOST": "127.0.0.1",
        "PORT": base.rsplit(":", 1)[1],
        "WEB_CONCURRENCY": "4",
        "LOG_LEVEL": "WARNING",
        "STATIC_ROOT": str(out / "static"),
    }
    recreate_database(url, name)
    manage(env, "migrate", "--no-input")
    manage(env, "load_demo")
    manage(env, "collectstatic", "--no-input")
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "allout.settings"
    import django

    django.setup()
    from events.finder.places import search
    from events.models import Event
    from petitions.models import Petition

    search("London")  # the offline place index, built once as a deploy does
    petition = Petition.objects.current()
    event = next(e for e in Event.objects.public().order_by("starts_at") if e.accepts_rsvps())
    assert petition is not None
    petition_path, event_path = f"/petitions/{petition.slug}/", f"/events/{event.slug}/"

    stack = Stack(env=env, logs=out)
    load_before = os.getloadavg()
    results: list[Result] = []

    def scenario(tag: str, label: str, fault: Callable[[], None], mend: Callable[[], None],
                 seconds: float) -> None:  # fmt: skip
        load = Load(base, petition_path, event_path, scenario=tag)  # the addresses' prefix
        fault()
        with people(load, args.users) as health:
            time.sleep(seconds)
        mend()
        mended = time.monotonic()
        stack.check_alive()
        addresses = set().union(*load.accepted.values()) if load.accepted else set()
        after, got, twice = delivery(sink, addresses, mended, args.drain_timeout)
        result = Result(label, load.answers, health.answers, stored(load.accepted), after,
                        len(addresses), got, twice)  # fmt: skip
        if label.startswith("mail server greylisting"):
            result.facts["451s"] = str(len(sink.greylisted))
        if label.startswith("mail server refusing"):
            result.facts["421s"] = str(sink.refused)
        results.append(result)
        for kind, words in load.refusals.items():
            print(f"{label}: the first 4xx to {kind}: {words[:2000]}", flush=True)
        print(f"{label}: {len(load.answers)} answers, {len(addresses)} emails, "
              f"{got} delivered, {twice} twice", flush=True)  # fmt: skip

    def nothing() -> None:
        pass

    def restart_redis() -> None:
        redis_server.start()

    def greylist() -> None:
        sink.mode = "greylist"

    def refuse() -> None:
        sink.mode = "refuse"

    def accept() -> None:
        sink.mode = "accept"

    try:
        for process, command in procfile_commands(env).items():
            stack.start(process, command)
        wait_for(f"{base}/healthz", stack)
        warm_up(base, workers=4)
        plan = {
            "none": ("no fault", nothing, nothing, args.seconds),
            "redis-stopped": (
                "Redis stopped, then started empty", redis_server.stop, restart_redis,
                args.seconds,
            ),
            "redis-hung": (
                "Redis hung (SIGSTOP), then resumed", redis_server.hang, redis_server.resume,
                args.seconds,
            ),
            "greylisting": ("mail server greylisting", greylist, nothing, args.seconds),
            "refusing": (
                f"mail server refusing for {args.refuse_seconds:.0f} s", refuse, accept,
                args.refuse_seconds,
            ),
        }  # fmt: skip
        for key in args.only or list(plan):
            scenario(key, *plan[key])
        stack.check_alive()
    finally:
        stack.stop()
        redis_server.stop()
        smtp.stop()
        from django.db import connection

        connection.close()
        if not args.keep:
            drop_database(url, name)
            shutil.rmtree(out)
    load_after = os.getloadavg()
    print(
        f"\n{args.users} people, {args.seconds:.0f} s per fault, gunicorn -w 4, worker, relay, "
        f"beat; load average before / after: {fmt(load_before)} / {fmt(load_after)}\n"
    )
    answers_table(results)
    for result in results:
        kinds_table(result)
    books_table(results)
    if args.keep:
        print(f"\nlogs: {out}; database {name} kept")


if __name__ == "__main__":
    main()
