"""The hot pages against the floor of a dynamic page (/healthz), side by side in one run.

gunicorn serves the platform as docker-compose.yml does (4 sync workers, DEBUG off) on demo
data in a scratch database (created, migrated, loaded with `load_demo`, dropped at the end)
and a Redis database of its own; wrk drives each page at 8 and at 64 connections, with a
floor round before each page so both see the same machine.

    .venv/bin/python bench/hot_pages.py --redis redis://127.0.0.1:6379/N [--seconds 4] \\
        [--workers 4] [--threads 1]

The Redis database given is emptied first (the cache must hold this run's data only): give
one nothing else uses.

Prints a markdown table for bench/README.md: requests/s at 8 connections, the share of the
floor measured just before, and requests/s, p50 and p99 at 64 connections.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv/bin/python") if (ROOT / ".venv/bin/python").exists() else sys.executable
PSQL = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-v", "ON_ERROR_STOP=1"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(database: str, redis_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"postgis://postgres@127.0.0.1:5432/{database}",
        "REDIS_URL": redis_url,
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-secret-bench-only-secret-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "false",
        "LOG_LEVEL": "WARNING",
    }


def prepare(database: str, env: dict[str, str]) -> None:
    subprocess.run([*PSQL, "-c", f"CREATE DATABASE {database}"], check=True)
    subprocess.run([*PSQL, "-d", database, "-c", "CREATE EXTENSION postgis"], check=True)
    for command in (["migrate", "-v0"], ["load_demo"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run(
            [PYTHON, "manage.py", *command], cwd=ROOT, env=env, check=True,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip


def serve(port: int, env: dict[str, str], *, workers: int, threads: int) -> subprocess.Popen:
    # The production configuration (its hooks load the place index as each worker starts),
    # with the access log thrown away rather than written to this terminal.
    command = [PYTHON, "-m", "gunicorn", "allout.wsgi", "-c", "deploy/gunicorn.conf.py"]
    command += ["-w", str(workers), "--threads", str(threads)]
    command += ["-b", f"127.0.0.1:{port}", "--access-logfile", "/dev/null"]
    server = subprocess.Popen([*command, "--log-level", "warning"], cwd=ROOT, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("gunicorn did not start")


def pages(env: dict[str, str]) -> dict[str, str]:
    """The pages to measure, with a real event's and the demo petition's addresses."""
    script = (
        "import django; django.setup()\n"
        "from events.models import Event; from petitions.models import Petition\n"
        "print(Event.objects.public().order_by('starts_at').first().get_absolute_url())\n"
        "print(Petition.objects.current().slug)\n"
    )
    found = subprocess.run(
        [PYTHON, "-c", script], cwd=ROOT, env={**env, "DJANGO_SETTINGS_MODULE": "allout.settings"},
        check=True, capture_output=True, text=True,
    ).stdout.split()  # fmt: skip
    event_url, slug = found[-2], found[-1]
    return {
        "/": "/",
        "/events/": "/events/",
        "/events/?q=London": "/events/?q=London",
        "/events/<slug>/": event_url,
        "/petitions/<slug>/": f"/petitions/{slug}/",
        "/petitions/<slug>/embed/": f"/petitions/{slug}/embed/",
        "/petitions/<slug>/count.json": f"/petitions/{slug}/count.json",
    }


def to_ms(value: str) -> float:
    """wrk's "812.00us", "3.45ms", "1.20s" or "1.01m" in milliseconds."""
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value)
    if found is None:
        raise ValueError(f"not a wrk duration: {value!r}")
    return float(found[1]) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[found[2]]


def wrk(url: str, connections: int, seconds: int) -> dict[str, float]:
    output = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency", url],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors or " 0 requests in" in output:
        raise RuntimeError(f"{url}: no answer, or answers that were not 2xx or 3xx:\n{output}")
    return {
        "rps": float(field(r"Requests/sec:\s+([\d.]+)", output)),
        "p50": to_ms(field(r"^\s+50%\s+(\S+)", output)),
        "p99": to_ms(field(r"^\s+99%\s+(\S+)", output)),
    }


def field(pattern: str, output: str) -> str:
    """The one value `pattern` captures in wrk's output."""
    found = re.search(pattern, output, re.MULTILINE)
    if found is None:
        raise ValueError(f"{pattern!r} not in wrk's output:\n{output}")
    return found[1]


def warm(url: str) -> None:
    """A few plain requests first: a worker's first visit loads what it keeps (the place
    index, templates) and fills the caches, which is not what the round measures."""
    for _ in range(16):
        with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310  # http://127.0.0.1
            response.read()


def measure(base: str, urls: dict[str, str], seconds: int) -> list[str]:
    rows = []
    for name, path in urls.items():
        warm(base + path)
        floor = wrk(base + "/healthz", 8, seconds)
        at8 = wrk(base + path, 8, seconds)
        floor64 = wrk(base + "/healthz", 64, seconds)
        at64 = wrk(base + path, 64, seconds)
        rows.append(
            f"| `{name}` | {at8['rps']:,.0f} | {floor['rps']:,.0f} "
            f"| {at8['rps'] / floor['rps']:.2f} "
            f"| {at64['rps']:,.0f} | {at64['rps'] / floor64['rps']:.2f} "
            f"| {at64['p50']:.1f} | {at64['p99']:.1f} |"
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=4)
    parser.add_argument("--redis", required=True, help="a Redis database to empty and use")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn's (compose: 4)")
    parser.add_argument(
        "--threads", type=int, default=None, help="per worker (gthread); compose's default"
    )
    args = parser.parse_args()
    database = f"allout_bench_pages_{uuid.uuid4().hex[:8]}"
    env = environment(database, args.redis)
    subprocess.run(
        [PYTHON, "-c", f"import redis; redis.Redis.from_url({args.redis!r}).flushdb()"], check=True
    )
    prepare(database, env)
    port = free_port()
    threads = args.threads or int(os.environ.get("WEB_THREADS", "1"))
    server = serve(port, env, workers=args.workers, threads=threads)
    try:
        rows = measure(f"http://127.0.0.1:{port}", pages(env), args.seconds)
    finally:
        server.terminate()
        server.wait(timeout=30)
        subprocess.run([*PSQL, "-c", f"DROP DATABASE IF EXISTS {database}"], check=False)
    load = os.getloadavg()
    print(f"gunicorn -w {args.workers} --threads {threads}")
    print(f"Load average before the run ended: {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}\n")
    print(
        "| page | req/s (c8) | floor (c8) | share | req/s (c64) | share (c64) "
        "| p50 ms (c64) | p99 ms (c64) |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
