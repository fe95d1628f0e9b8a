"""A spike of people on the day (issue 11): the whole stack under locust, then the books.

It makes a scratch database (`<DATABASE_URL's name>_spike`: migrate + load_demo), empties
the Redis database REDIS_URL names (give it one of its own), starts an SMTP sink
(bench/spike_sink.py, so the worker really sends) and every process the Procfile names
(web, worker, beat and whatever lines come later, `--reload` dropped, WEB_CONCURRENCY=4 as
docker-compose.yml runs gunicorn), with DEBUG off, a Celery queue of the run's own and
X-Forwarded-For trusted so each simulated person has their own address. Then locust
(bench/spike_locustfile.py) runs --users people, started --spawn-rate a second, for
--seconds. Afterwards it measures how long the outbox takes to send everything, checks
that every counter equals its rows, and prints markdown tables: per endpoint, the counters,
PostgreSQL connections (the most seen in pg_stat_activity for the database) and the drain.

    DATABASE_URL=postgis://postgres@127.0.0.1:5432/allout_x REDIS_URL=redis://127.0.0.1:6379/13 \\
        .venv/bin/python bench/spike.py [--users 500] [--spawn-rate 50] [--seconds 120]

ALTCHA's difficulty (ALTCHA_MAX_NUMBER) is lowered for the run to --altcha-max-number:
the server's work per challenge and per verification does not depend on it (one key
derivation to issue, HMACs to verify), the browser's does, and here the "browsers" share
the server's CPUs. Figures and how to read them: bench/README.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
# The target for every endpoint: a p99 under a second (the table marks the others).
TARGET_P99_MS = 1000
# count.json is cached briefly (petitions.views.COUNT_CACHE_SECONDS): wait for it to agree.
COUNT_SETTLE_SECONDS = 90
# This script's own PostgreSQL connections say so, and the count of the stack's leaves them out.
OWN = "bench-spike"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- The scratch database -------------------------------------------------------------
def scratch_url(database_url: str, suffix: str = "_spike") -> tuple[str, str]:
    """(URL, name) of the run's database beside DATABASE_URL's: `<name><suffix>`."""
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/") + suffix
    return urlunsplit(parts._replace(path=f"/{name}")), name


def libpq(url: str) -> str:
    """A postgis:// URL as psycopg takes it."""
    return urlunsplit(urlsplit(url)._replace(scheme="postgresql"))


def recreate_database(url: str, name: str) -> None:
    maintenance = libpq(urlunsplit(urlsplit(url)._replace(path="/postgres")))
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(libpq(url), autocommit=True) as connection:
        connection.execute("CREATE EXTENSION IF NOT EXISTS postgis")


def drop_database(url: str, name: str) -> None:
    maintenance = libpq(urlunsplit(urlsplit(url)._replace(path="/postgres")))
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class ConnectionSampler(threading.Thread):
    """The most PostgreSQL connections to the database seen at once, sampled 4 times a second."""

    def __init__(self, url: str, name: str) -> None:
        super().__init__(daemon=True)
        self.url, self.name = libpq(url), name
        self.most = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        query = "SELECT count(*) FROM pg_stat_activity WHERE datname = %s"
        query += " AND application_name <> %s"  # the stack's, not this script's
        with psycopg.connect(self.url, autocommit=True, application_name=OWN) as connection:
            while not self.stopped.wait(0.25):
                (count,) = connection.execute(query, [self.name, OWN]).fetchone()  # type: ignore[misc]
                self.most = max(self.most, count)


# --- The stack ----------------------------------------------------------------------
VARIABLE = re.compile(r"\$\{(\w+)(?::-([^}]*))?\}|\$(\w+)")


def procfile_commands(env: dict[str, str]) -> dict[str, list[str]]:
    """Every process the Procfile names, its variables filled in from `env`, `--reload` dropped."""
    commands = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, command = line.split(":", 1)

        def expand(match: re.Match) -> str:
            variable = match.group(1) or match.group(3)
            return env.get(variable) or match.group(2) or ""

        words = shlex.split(VARIABLE.sub(expand, command))
        commands[name.strip()] = [word for word in words if word != "--reload"]
    return commands


@dataclass
class Stack:
    env: dict[str, str]
    logs: Path
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def start(self, name: str, command: list[str]) -> None:
        log = (self.logs / f"{name}.log").open("wb")
        self.processes[name] = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )

    def stop(self) -> None:
        """SIGTERM each process by its pid (a warm shutdown), SIGKILL what lingers."""
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def check_alive(self) -> None:
        dead = [name for name, process in self.processes.items() if process.poll() is not None]
        if dead:
            raise RuntimeError(f"{', '.join(dead)} stopped; see the logs in {self.logs}")


def get(url: str, timeout: float) -> bytes:
    """The body at `url`, always the run's own gunicorn (http://127.0.0.1:PORT)."""
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (see above)
        return response.read()


def wait_for(url: str, stack: Stack, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        stack.check_alive()
        try:
            get(url, timeout=1)
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {seconds:.0f} s")


def warm_up(base: str, workers: int) -> None:
    """Ask each page kind of every web worker once before the load, as traffic would have.

    A worker loads what it needs on first use (the place index alone takes seconds per
    worker on a busy machine), and the spike measures a stack that has been serving: the
    pages are asked for by twice as many clients at once as there are workers, so each
    worker gets some.
    """
    paths = ["/", "/events/", "/events/?q=London", "/events/map.geojson", "/petitions/"]
    with ThreadPoolExecutor(max_workers=2 * workers) as pool:
        for path in paths:
            urls = [base + path] * (2 * workers)
            list(pool.map(lambda url: get(url, timeout=120), urls))


def manage(env: dict[str, str], *arguments: str) -> None:
    subprocess.run(
        [PYTHON, "manage.py", *arguments], cwd=ROOT, env=env, check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip


# --- The plan the locust users follow, from the platform's own models ------------------
def write_plan(path: Path, inbox_dir: Path) -> None:
    from events.models import Event
    from petitions.models import Petition

    petition = Petition.objects.current()
    if petition is None:
        raise RuntimeError("load_demo made no petition")
    events = [
        {
            "slug": event.slug,
            "city": event.city,
            "lat": event.public_point.y,
            "lng": event.public_point.x,
            "accepts_rsvps": event.accepts_rsvps(),
        }
        for event in Event.objects.public()
    ]
    plan = {"petition": petition.slug, "events": events, "inbox_dir": str(inbox_dir)}
    path.write_text(json.dumps(plan))


# --- Locust ---------------------------------------------------------------------------
@dataclass
class Endpoint:
    name: str
    requests: int
    failures: int
    server_errors: int
    per_second: float
    p50: float
    p95: float
    p99: float
    server_p50: float = 0
    server_p99: float = 0


def run_locust(args: argparse.Namespace, base: str, env: dict[str, str], out: Path) -> None:
    prefix = out / "locust"
    subprocess.run(
        [
            PYTHON, "-m", "locust", "-f", str(ROOT / "bench/spike_locustfile.py"),
            "--headless", "--only-summary", "--loglevel", "WARNING",
            "-u", str(args.users), "-r", str(args.spawn_rate), "-t", f"{args.seconds}s",
            "--host", base, "--csv", str(prefix),
        ],
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT)},
        check=False,  # locust exits 1 when a request failed; the table says so
        stdout=(out / "locust.log").open("wb"),
        stderr=subprocess.STDOUT,
    )  # fmt: skip


# gunicorn's access line (deploy/gunicorn.conf.py), tokens and query values redacted.
ACCESS_LINE = re.compile(r'"(GET|POST) (\S+) HTTP/[\d.]+" (\d{3}) \S+ (\d+)ms')
# The locust names (bench/spike_locustfile.py) of the paths in that log.
ROUTES = [
    ("GET", r"/", "home"),
    ("GET", r"/altcha/challenge/", "altcha challenge"),
    ("GET", r"/petitions/[\w-]+/", "petition"),
    ("POST", r"/petitions/[\w-]+/sign/", "sign (POST)"),
    ("GET", r"/petitions/[\w-]+/check-your-email/", "check your email"),
    ("GET", r"/petitions/signature/<token>/confirm/", "signature confirm page"),
    ("POST", r"/petitions/signature/<token>/confirm/", "signature confirm (POST)"),
    ("GET", r"/petitions/[\w-]+/thank-you/", "thank you"),
    ("GET", r"/events/", "events list"),
    ("GET", r"/events/\?q=.*", "events ?q=city"),
    ("GET", r"/events/nearby\.json\?.*", "nearby.json"),
    ("GET", r"/events/attend/<token>/confirm/", "rsvp confirm page"),
    ("POST", r"/events/attend/<token>/confirm/", "rsvp confirm (POST)"),
    ("GET", r"/events/attend/<token>/", "attendance page"),
    ("POST", r"/events/[\w-]+/rsvp/", "rsvp (POST)"),
    ("GET", r"/events/[\w-]+/rsvp/sent/", "rsvp sent"),
    ("GET", r"/events/[\w-]+/", "event page"),
]


def server_times(log: Path, offset: int) -> dict[str, list[int]]:
    """Milliseconds gunicorn spent on each request after `offset` in its log, by name.

    Locust's times include the wait for a free worker; these do not, so the two side by
    side say how much of a slow answer was queueing.
    """
    times: dict[str, list[int]] = {}
    with log.open("rb") as lines:
        lines.seek(offset)
        for raw in lines:
            match = ACCESS_LINE.search(raw.decode(errors="replace"))
            if match is None:
                continue
            method, path, _, ms = match.groups()
            for route_method, pattern, name in ROUTES:
                if method == route_method and re.fullmatch(pattern, path):
                    times.setdefault(name, []).append(int(ms))
                    times.setdefault("all", []).append(int(ms))
                    break
    return times


def percentile(values: list[int], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0


def endpoints(out: Path) -> list[Endpoint]:
    """Locust's per-endpoint figures, with the 5xx answers counted from its failures."""
    server_errors: dict[str, int] = {}
    with (out / "locust_failures.csv").open(newline="") as failures:
        for row in csv.DictReader(failures):
            status = re.search(r"HTTP (\d{3})", row["Error"])
            if status and status.group(1).startswith("5"):
                server_errors[row["Name"]] = server_errors.get(row["Name"], 0) + int(
                    row["Occurrences"]
                )
    rows = []
    with (out / "locust_stats.csv").open(newline="") as stats:
        for row in csv.DictReader(stats):
            name = "all" if row["Name"] == "Aggregated" else row["Name"]
            errors = sum(server_errors.values()) if name == "all" else server_errors.get(name, 0)
            rows.append(
                Endpoint(
                    name=name,
                    requests=int(row["Request Count"]),
                    failures=int(row["Failure Count"]),
                    server_errors=errors,
                    per_second=float(row["Requests/s"]),
                    p50=float(row["50%"]),
                    p95=float(row["95%"]),
                    p99=float(row["99%"]),
                )
            )
    return rows


# --- Afterwards: the outbox and the counters -------------------------------------------
def wait_until_answered(log: Path, quiet: float = 5, timeout: float = 300) -> None:
    """Wait until gunicorn has answered what locust sent before it stopped.

    Requests still queued for a worker when locust ends are served after it (a sync
    worker sees the client gone only when it answers), and they still sign, confirm and
    queue emails: the books are checked once the access log has been still for `quiet` s.
    """
    deadline = time.monotonic() + timeout
    size, still_since = log.stat().st_size, time.monotonic()
    while time.monotonic() - still_since < quiet and time.monotonic() < deadline:
        time.sleep(0.5)
        if (now := log.stat().st_size) != size:
            size, still_since = now, time.monotonic()


def drain_seconds(since: float, timeout: float) -> tuple[float | None, int]:
    """Seconds from `since` until no outbox row is waiting (None: not within `timeout`)."""
    from allout.models import OutboxEmail

    while True:
        waiting = OutboxEmail.objects.unsent().count()
        if waiting == 0:
            return time.monotonic() - since, 0
        if time.monotonic() - since > timeout:
            return None, waiting
        time.sleep(0.5)


@dataclass
class CounterCheck:
    what: str
    reported: int
    rows: int

    @property
    def exact(self) -> bool:
        return self.reported == self.rows


def count_json(base: str, slug: str) -> int:
    return json.loads(get(f"{base}/petitions/{slug}/count.json", timeout=5))["count"]


def check_counters(base: str) -> list[CounterCheck]:
    """Each counter as the platform reports it, against the rows it counts.

    The petition's count is read twice: from the model, as its pages render it, and from
    count.json over HTTP, waited for until its cache has expired (it may not agree sooner).
    Each event's confirmed participants likewise, from the model the event page renders.
    """
    from events.models import Attendance, Event
    from petitions.models import Petition, Signature

    checks = []
    for petition in Petition.objects.all():
        rows = Signature.objects.filter(petition=petition, confirmed_at__isnull=False).count()
        checks.append(
            CounterCheck(f"petition {petition.slug} (model)", petition.signature_count, rows)
        )
        deadline = time.monotonic() + COUNT_SETTLE_SECONDS
        published = count_json(base, petition.slug)
        while published != rows and time.monotonic() < deadline:
            time.sleep(2)
            published = count_json(base, petition.slug)
        checks.append(CounterCheck(f"petition {petition.slug} (count.json)", published, rows))
    for event in Event.objects.order_by("slug"):
        rows = Attendance.objects.filter(event=event).confirmed().count()
        if rows or event.participant_count:
            checks.append(CounterCheck(f"event {event.slug}", event.participant_count, rows))
    return checks


def activity() -> dict[str, int]:
    """What the run left in the database: signatures, RSVPs and emails by state."""
    from allout.models import OutboxEmail
    from events.models import Attendance
    from petitions.models import Signature

    spike = "@spike.invalid"
    signatures = Signature.objects.filter(email__endswith=spike)
    attendances = Attendance.objects.filter(email__endswith=spike)
    return {
        "signatures": signatures.count(),
        "signatures confirmed": signatures.filter(confirmed_at__isnull=False).count(),
        "RSVPs": attendances.count(),
        "RSVPs confirmed": attendances.filter(status=Attendance.Status.CONFIRMED).count(),
        "emails sent": OutboxEmail.objects.filter(sent_at__isnull=False).count(),
        "emails given up": OutboxEmail.objects.filter(failed_at__isnull=False).count(),
    }


# --- Output ---------------------------------------------------------------------------
def print_report(
    args: argparse.Namespace,
    rows: list[Endpoint],
    checks: list[CounterCheck],
    facts: dict[str, str],
) -> None:
    print(
        f"\n{args.users} users, spawn rate {args.spawn_rate}/s, {args.seconds} s, "
        f"{os.cpu_count()} CPUs; {facts.pop('processes')}\n"
    )
    print(
        "| endpoint | requests | failures | 5xx | req/s | p50 ms | p95 ms | p99 ms "
        "| server p50 ms | server p99 ms |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for row in sorted(rows, key=lambda r: (r.name == "all", r.name)):
        name = f"**{row.name}**" if row.name == "all" else row.name
        late = " ⚠" if row.name != "all" and row.p99 >= TARGET_P99_MS else ""
        print(
            f"| {name} | {row.requests} | {row.failures} | {row.server_errors} | "
            f"{row.per_second:.1f} | {row.p50:.0f} | {row.p95:.0f} | {row.p99:.0f}{late} | "
            f"{row.server_p50:.0f} | {row.server_p99:.0f} |"
        )
    print("\n| counter | reported | rows | exact |")
    print("| --- | --- | --- | --- |")
    for check in checks:
        exact = "yes" if check.exact else "NO"
        print(f"| {check.what} | {check.reported} | {check.rows} | {exact} |")
    print("\n| | |")
    print("| --- | --- |")
    for key, value in facts.items():
        print(f"| {key} | {value} |")


def stack_environment(
    args: argparse.Namespace, url: str, base: str, smtp_port: int, out: Path
) -> dict[str, str]:
    """The variables every process of the run gets: production's, on the run's own services."""
    port = urlsplit(base).port
    return {
        **os.environ,
        "DEBUG": "false",
        "DATABASE_URL": url,
        "SECRET_KEY": "spike-bench-only-secret-spike-bench-only-secret-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": base,
        "SECURE_COOKIES": "false",
        "TRUST_X_FORWARDED_FOR": "true",
        "CELERY_QUEUE": f"spike-{os.getpid()}",
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "ALTCHA_MAX_NUMBER": str(args.altcha_max_number),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "4",
        "LOG_LEVEL": "WARNING",
        "STATIC_ROOT": str(out / "static"),  # DEBUG off: the manifest collectstatic writes
    }


def prepare(env: dict[str, str], url: str, name: str, redis_url: str) -> None:
    """A fresh scratch database with the demo data and static files; an empty Redis database."""
    recreate_database(url, name)
    redis.Redis.from_url(redis_url).flushdb()
    manage(env, "migrate", "--no-input")
    manage(env, "load_demo")
    manage(env, "collectstatic", "--no-input")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=500, help="simulated people at the peak")
    parser.add_argument("--spawn-rate", type=float, default=50, help="people started a second")
    parser.add_argument("--seconds", type=int, default=120, help="length of the load")
    parser.add_argument(
        "--altcha-max-number", type=int, default=20, help="ALTCHA's difficulty for the run"
    )
    parser.add_argument("--drain-timeout", type=int, default=900, help="seconds to wait for emails")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database and logs")
    args = parser.parse_args()

    url, name = scratch_url(os.environ["DATABASE_URL"])
    redis_url = os.environ["REDIS_URL"]
    out = Path(tempfile.mkdtemp(prefix="spike-"))
    smtp_port = free_port()
    base = f"http://127.0.0.1:{free_port()}"
    env = stack_environment(args, url, base, smtp_port, out)
    prepare(env, url, name, redis_url)
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "allout.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    settings.DATABASES["default"].setdefault("OPTIONS", {})["application_name"] = OWN
    # The offline place index is built on first use (events.finder.places), a one-off of
    # tens of seconds a deploy pays before traffic: a cold one would time requests out.
    from events.finder.places import search

    search("London")

    stack = Stack(env=env, logs=out)
    sampler = ConnectionSampler(url, name)
    load_before = os.getloadavg()
    try:
        inbox_dir = out / "inboxes"
        stack.start("smtp-sink", [
            PYTHON, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{smtp_port}",
            "-c", "bench.spike_sink.ByRecipient", str(inbox_dir),
        ])  # fmt: skip
        commands = procfile_commands(env)
        for process, command in commands.items():
            stack.start(process, command)
        wait_for(f"{base}/healthz", stack)
        write_plan(out / "plan.json", inbox_dir)
        env["BENCH_SPIKE_PLAN"] = str(out / "plan.json")
        warm_up(base, workers=int(env["WEB_CONCURRENCY"]))
        sampler.start()
        log_offset = (out / "web.log").stat().st_size
        run_locust(args, base, env, out)
        load_ended = time.monotonic()
        load_after = os.getloadavg()
        stack.check_alive()
        wait_until_answered(out / "web.log")
        drained, waiting = drain_seconds(load_ended, args.drain_timeout)
        checks = check_counters(base)
        activity_snapshot = activity()
        sampler.stopped.set()
        sampler.join()
        rows = endpoints(out)
        served = server_times(out / "web.log", log_offset)
        for row in rows:
            row.server_p50 = percentile(served.get(row.name, []), 0.50)
            row.server_p99 = percentile(served.get(row.name, []), 0.99)
    finally:
        sampler.stopped.set()
        stack.stop()
        if not args.keep:
            from django.db import connection

            connection.close()
            drop_database(url, name)
    facts = {
        "processes": ", ".join(sorted(commands)) + " (Procfile) and an SMTP sink",
        "max PostgreSQL connections": str(sampler.most),
        "outbox drained": f"{drained:.1f} s after the load ended"
        if drained is not None
        else f"NOT within {args.drain_timeout} s ({waiting} waiting)",
        **{key: str(value) for key, value in activity_snapshot.items()},
        "load average (1, 5, 15 min) before / after": f"{fmt(load_before)} / {fmt(load_after)}",
    }
    print_report(args, rows, checks, facts)
    if args.keep:
        print(f"\nlogs and locust's CSV files: {out}; database {name} kept")
    else:
        shutil.rmtree(out)


def fmt(load: tuple[float, float, float]) -> str:
    return ", ".join(f"{value:.1f}" for value in load)


if __name__ == "__main__":
    main()
