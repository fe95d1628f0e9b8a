"""Signing throughput: the real sign view against a floor view, in the same run.

gunicorn (4 sync workers, as in docker-compose.yml) serves the platform on loopback with
DEBUG off; locust drives it, alternating floor and real rounds so both see the same
machine. Each request signs a new address from a new client address. Every real signature
writes its row and an outbox email and publishes a Celery task (to a queue of its own,
purged at the end; no worker runs, so sending costs nothing here).

    DATABASE_URL=postgis://... REDIS_URL=redis://127.0.0.1:6379/12 \\
        .venv/bin/python bench/petitions_signing.py [--seconds 20] [--users 16] [--rounds 2]

It creates two petitions (bench-signing, bench-floor) and deletes them, their signatures
and emails afterwards. Figures and how to read them: bench/README.md.
"""

from __future__ import annotations

import argparse
import csv
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.petitions_settings"
os.environ.setdefault("DEBUG", "true")  # this process only; the server runs with DEBUG off

import django  # noqa: E402

django.setup()

from allout.celery import app as celery_app  # noqa: E402
from allout.models import OutboxEmail  # noqa: E402
from petitions.models import Petition, Signature  # noqa: E402

SIGN_SLUG = "bench-signing"
FLOOR_SLUG = "bench-floor"
BENCH_EMAILS = "@bench.invalid"


@dataclass
class Round:
    kind: str
    requests: int
    failures: int
    per_second: float
    p50: float
    p95: float
    p99: float


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def petitions() -> tuple[Petition, Petition]:
    made = []
    for slug in (SIGN_SLUG, FLOOR_SLUG):
        petition, _ = Petition.objects.update_or_create(
            slug=slug,
            defaults={
                "title": f"Benchmark ({slug})",
                "summary": "Benchmark petition.",
                "text": "Benchmark.",
                "author": "Benchmark",
                "goal": 1_000_000,
            },
        )
        made.append(petition)
    return made[0], made[1]


def clean() -> None:
    """Delete the benchmark's petitions, signatures and emails (left over or made now)."""
    Signature.objects.filter(petition__slug__in=[SIGN_SLUG, FLOOR_SLUG]).delete()
    Petition.objects.filter(slug__in=[SIGN_SLUG, FLOOR_SLUG]).delete()
    OutboxEmail.objects.filter(to__endswith=BENCH_EMAILS).delete()


def serve(port: int, queue: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.petitions_settings",
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-secret-bench-only-secret-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "false",
        "TRUST_X_FORWARDED_FOR": "true",
        "CELERY_QUEUE": queue,
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "gunicorn", "allout.wsgi", "-w", "4"]
    command += ["-b", f"127.0.0.1:{port}", "--log-level", "warning"]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("gunicorn did not start")


def run_locust(kind: str, base: str, seconds: int, users: int, floor_id: int) -> Round:
    with tempfile.TemporaryDirectory() as directory:
        prefix = str(Path(directory) / "run")
        subprocess.run(
            [
                sys.executable, "-m", "locust", "-f", str(ROOT / "bench/petitions_locustfile.py"),
                "--headless", "--only-summary", "--loglevel", "WARNING",
                "-u", str(users), "-r", str(users), "-t", f"{seconds}s",
                "--host", base, "--csv", prefix,
                "SignUser" if kind == "sign" else "FloorUser",
            ],
            env={
                **os.environ,
                "BENCH_SIGN_SLUG": SIGN_SLUG,
                "BENCH_FLOOR_PETITION_ID": str(floor_id),
            },
            check=False,  # locust exits 1 when a request failed; the figures say so
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        with open(f"{prefix}_stats.csv", newline="") as stats:
            row = next(r for r in csv.DictReader(stats) if r["Name"] == "Aggregated")
    return Round(
        kind=kind,
        requests=int(row["Request Count"]),
        failures=int(row["Failure Count"]),
        per_second=float(row["Requests/s"]),
        p50=float(row["50%"]),
        p95=float(row["95%"]),
        p99=float(row["99%"]),
    )


def mean(values: list[float]) -> float:
    return sum(values) / len(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=20, help="length of each round")
    parser.add_argument("--users", type=int, default=16, help="concurrent simulated signers")
    parser.add_argument("--rounds", type=int, default=2, help="floor/real pairs")
    args = parser.parse_args()

    clean()
    sign_petition, floor_petition = petitions()
    queue = f"bench-petitions-{os.getpid()}"
    port = free_port()
    server = serve(port, queue)
    base = f"http://127.0.0.1:{port}"
    rounds: list[Round] = []
    try:
        for kind in ("floor", "sign"):  # warm-up: connections, caches, bytecode
            run_locust(kind, base, 3, args.users, floor_petition.pk)
        for _ in range(args.rounds):
            for kind in ("floor", "sign"):
                rounds.append(run_locust(kind, base, args.seconds, args.users, floor_petition.pk))
        stored = Signature.objects.filter(petition=sign_petition).count()
        emails = OutboxEmail.objects.filter(to__endswith=BENCH_EMAILS).count()
    finally:
        server.terminate()
        server.wait(timeout=30)
        clean()
        with celery_app.connection_for_write() as connection:
            connection.default_channel.queue_purge(queue)

    print(f"{args.users} users, {args.seconds} s rounds, gunicorn -w 4, {os.cpu_count()} CPUs")
    print("| round | view | requests | failures | req/s | p50 ms | p95 ms | p99 ms |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for number, result in enumerate(rounds):
        print(
            f"| {number // 2 + 1} | {result.kind} | {result.requests} | {result.failures} | "
            f"{result.per_second:.0f} | {result.p50:.0f} | {result.p95:.0f} | {result.p99:.0f} |"
        )
    floor = [r for r in rounds if r.kind == "floor"]
    real = [r for r in rounds if r.kind == "sign"]
    floor_rate = mean([r.per_second for r in floor])
    real_rate = mean([r.per_second for r in real])
    print(
        f"\nfloor {floor_rate:.0f}/s (p95 {mean([r.p95 for r in floor]):.0f} ms, "
        f"p99 {mean([r.p99 for r in floor]):.0f} ms); "
        f"sign {real_rate:.0f}/s (p95 {mean([r.p95 for r in real]):.0f} ms, "
        f"p99 {mean([r.p99 for r in real]):.0f} ms); "
        f"ratio sign/floor {real_rate / floor_rate:.2f}"
    )
    print(f"signatures stored by the real view: {stored}; confirmation emails queued: {emails}")


if __name__ == "__main__":
    main()
