"""What the write benchmarks share: a gunicorn to measure, the outbox relay beside it, locust
rounds that alternate a floor view with the real one, and the markdown table of the figures.

A benchmark calls `setup()` before importing models. The server runs with DEBUG off and
`bench.settings` (the platform plus the floor views); the benchmark's own process shares its
SECRET_KEY, so it can sign the antibot timestamp a browser would send (`form_ref()`): the
real views then take the submission instead of trapping it as a bot's.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.db.models import QuerySet

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = "bench-only-secret-bench-only-secret-0123456789"  # noqa: S105  # loopback only
LOCUSTFILE = ROOT / "bench" / "locustfile.py"


def setup() -> None:
    """Django for the benchmark's own process (creating and counting rows)."""
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ.setdefault("DEBUG", "true")  # this process only; the server runs with DEBUG off
    os.environ["SECRET_KEY"] = SECRET_KEY
    import django

    django.setup()


def form_ref() -> str:
    """The antibot timestamp of a form rendered an hour ago, as a person's browser posts it."""
    from allout.antibot import started_token

    return started_token(at=time.time() - 3600)


@dataclass
class Round:
    kind: str
    requests: int
    failures: int
    per_second: float
    p50: float
    p95: float
    p99: float
    # CPU ms per request in each group of processes (cpu_groups()), measured over the round.
    cpu: dict[str, float] = field(default_factory=dict)


# Which processes a round's CPU goes to, by what their command line holds: the load tool
# (locust, counted from the children it leaves), the web server, the database, Redis, the
# outbox relay; "other" is whatever else ran on the machine meanwhile.
CPU_GROUPS = (
    ("gunicorn", "gunicorn"),
    ("relay", "outbox_relay"),
    ("postgres", "postgres"),
    ("redis", "redis-server"),
)


def cpu_groups() -> dict[str, float]:
    """CPU seconds used so far by every running process and the children it waited for,
    summed by CPU_GROUPS, and by the children this process waited for ("locust")."""
    tick = os.sysconf("SC_CLK_TCK")
    totals = dict.fromkeys([name for name, _ in CPU_GROUPS] + ["other"], 0.0)
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            command = Path(entry.path, "cmdline").read_bytes().replace(b"\0", b" ").decode()
            fields = Path(entry.path, "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        # utime, stime, and cutime, cstime: what its children that ended used (the
        # database's backends close with their connections, gunicorn may replace workers).
        used = sum(int(value) for value in fields[11:15]) / tick
        group = next((name for name, mark in CPU_GROUPS if mark in command), "other")
        totals[group] += used
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    totals["locust"] = children.ru_utime + children.ru_stime
    return totals


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(queue: str, settings: str = "bench.settings") -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings,
        "DEBUG": "false",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "false",
        "TRUST_X_FORWARDED_FOR": "true",
        "CELERY_QUEUE": queue,
        "LOG_LEVEL": "WARNING",
    }


def serve(port: int, queue: str, *, root: Path = ROOT, settings: str = "bench.settings"):
    """gunicorn with 4 sync workers (as docker-compose.yml) serving `root`'s code on `port`."""
    command = [sys.executable, "-m", "gunicorn", "allout.wsgi", "-w", "4"]
    command += ["-b", f"127.0.0.1:{port}", "--log-level", "warning", "--no-control-socket"]
    server = subprocess.Popen(command, cwd=root, env=server_env(queue, settings))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("gunicorn did not start")


@contextmanager
def running(*processes_started: subprocess.Popen) -> Iterator[None]:
    try:
        yield
    finally:
        for process in processes_started:
            process.terminate()
        for process in processes_started:
            process.wait(timeout=30)


def relay(queue: str) -> subprocess.Popen:
    """The outbox relay (manage.py outbox_relay), publishing what the server stores."""
    command = [sys.executable, "manage.py", "outbox_relay"]
    return subprocess.Popen(command, cwd=ROOT, env=server_env(queue))


def purge(queue: str) -> None:
    from allout.celery import app as celery_app

    with celery_app.connection_for_write() as connection:
        connection.default_channel.queue_purge(queue)


def run_locust(
    label: str, user: str, base: str, seconds: int, users: int, env: dict[str, str]
) -> Round:
    """One round of `user` (a class in bench/locustfile.py) against `base`."""
    with tempfile.TemporaryDirectory() as directory:
        prefix = str(Path(directory) / "run")
        before = cpu_groups()
        subprocess.run(
            [
                sys.executable, "-m", "locust", "-f", str(LOCUSTFILE),
                "--headless", "--only-summary", "--loglevel", "WARNING",
                "-u", str(users), "-r", str(users), "-t", f"{seconds}s",
                "--host", base, "--csv", prefix, user,
            ],
            env={**os.environ, "BENCH_FORM_REF": form_ref(), **env},
            check=False,  # locust exits 1 when a request failed; the figures say so
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        after = cpu_groups()
        with open(f"{prefix}_stats.csv", newline="") as stats:
            row = next(r for r in csv.DictReader(stats) if r["Name"] == "Aggregated")
    requests = max(int(row["Request Count"]), 1)
    cpu = {name: (after[name] - before[name]) * 1000 / requests for name in after}
    return Round(
        kind=label,
        requests=int(row["Request Count"]),
        failures=int(row["Failure Count"]),
        per_second=float(row["Requests/s"]),
        p50=float(row["50%"]),
        p95=float(row["95%"]),
        p99=float(row["99%"]),
        cpu=cpu,
    )


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def report(rounds: list[Round], users: int, seconds: int, labels: list[str]) -> None:
    """The rounds as a markdown table, then each kind's mean and its ratio to the floor
    (the first of `labels`)."""
    load = " / ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"{users} users, {seconds} s rounds, gunicorn -w 4, {os.cpu_count()} CPUs, load {load}")
    print("| round | view | requests | failures | req/s | p50 ms | p95 ms | p99 ms |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    per_round = len(labels)
    for number, result in enumerate(rounds):
        print(
            f"| {number // per_round + 1} | {result.kind} | {result.requests} | "
            f"{result.failures} | {result.per_second:.0f} | {result.p50:.0f} | "
            f"{result.p95:.0f} | {result.p99:.0f} |"
        )
    floor_rate = mean([r.per_second for r in rounds if r.kind == labels[0]])
    print()
    for label in labels:
        mine = [r for r in rounds if r.kind == label]
        rate = mean([r.per_second for r in mine])
        print(
            f"- {label}: {rate:.0f}/s (p95 {mean([r.p95 for r in mine]):.0f} ms, "
            f"p99 {mean([r.p99 for r in mine]):.0f} ms), ratio to the floor {rate / floor_rate:.2f}"
        )
    groups = list(rounds[0].cpu)
    print("\nCPU ms per request, by process, mean of the rounds (where the machine's time goes):\n")
    print("| view | " + " | ".join(groups) + " | all |")
    print("| --- |" + " ---: |" * (len(groups) + 1))
    for label in labels:
        mine = [r for r in rounds if r.kind == label]
        spent = [mean([r.cpu[group] for r in mine]) for group in groups]
        print(f"| {label} | " + " | ".join(f"{ms:.2f}" for ms in spent) + f" | {sum(spent):.2f} |")


def alternate(
    plan: list[tuple[str, str, str]], seconds: int, users: int, rounds: int, env: dict[str, str]
) -> list[Round]:
    """Rounds of every (label, locust user class, base URL) in `plan` in turn, after a
    warm-up, so each sees the same machine."""
    for label, user, base in plan:  # warm-up: connections, caches, bytecode
        run_locust(label, user, base, 3, users, env)
    results = []
    for _ in range(rounds):
        for label, user, base in plan:
            results.append(run_locust(label, user, base, seconds, users, env))
    return results


@dataclass(frozen=True)
class Comparison:
    """A real write view measured against its floor: what a bench script tells compare()."""

    name: str  # "sign", "rsvp": the real view's label and its queue's name
    floor_user: str  # locust user classes (bench/locustfile.py)
    real_user: str
    env: dict[str, str]  # what the locust users need to know (slugs, ids)
    noun: str  # what the real view stores, for the last line: "signatures", "sign-ups"
    # More (label, locust user class) pairs measured on the same server after the real view.
    others: tuple[tuple[str, str], ...] = ()


def arguments(
    description: str, more: Callable[[argparse.ArgumentParser], None] | None = None
) -> argparse.Namespace:
    """The options every write benchmark takes, and those `more` adds."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--seconds", type=int, default=20, help="length of each round")
    parser.add_argument("--users", type=int, default=16, help="concurrent simulated people")
    parser.add_argument("--rounds", type=int, default=2, help="floor/real pairs")
    parser.add_argument("--baseline", type=Path, help="another checkout to measure beside")
    if more is not None:
        more(parser)
    return parser.parse_args()


def compare(
    args: argparse.Namespace,
    comparison: Comparison,
    *,
    stored: Callable[[], int],
    emails: Callable[[], QuerySet],
    clean: Callable[[], None],
) -> None:
    """Serve the platform (and `--baseline`'s checkout beside it) with the relay, run the
    floor and the real rounds in turn, clean up, and print the table and what was stored."""
    queue = f"bench-{comparison.name}-{os.getpid()}"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    processes = [serve(port, queue), relay(queue)]
    plan = [("floor", comparison.floor_user, base), (comparison.name, comparison.real_user, base)]
    plan += [(label, user, base) for label, user in comparison.others]
    if args.baseline:
        old = free_port()
        processes.append(serve(old, queue, root=args.baseline, settings="allout.settings"))
        plan.append(
            (f"{comparison.name} (baseline)", comparison.real_user, f"http://127.0.0.1:{old}")
        )
    try:
        with running(*processes):
            rounds = alternate(plan, args.seconds, args.users, args.rounds, comparison.env)
        kept = stored()
        queued = emails().count()
        published = emails().filter(published_at__isnull=False).count()
    finally:
        clean()
        purge(queue)
    report(rounds, args.users, args.seconds, [label for label, _, _ in plan])
    print(
        f"\n{comparison.noun} stored by the real views: {kept}; confirmation emails queued: "
        f"{queued}, published: {published}"
    )
