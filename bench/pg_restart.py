"""PostgreSQL restarted twice under 8 signing users: what the signers saw, and what was kept.

gunicorn (4 sync workers, DEBUG off, production's DB_CONN_MAX_AGE and health checks) and a
Celery worker serve the platform against a private PostgreSQL cluster (tests/pgcluster.py,
removed at the end); 8 threads sign the petition as 8 browsers would (page, then POST), each
time with a new address, for --seconds; PostgreSQL is restarted at a third and two thirds.

    REDIS_URL=redis://127.0.0.1:6379/12 .venv/bin/python bench/pg_restart.py [--seconds 60]

Prints a markdown table (bench/README.md): requests, answers by status, p99 of the sign
POST, half-written rows (a signature without its email row or the reverse; must be 0) and
addresses emailed twice by the worker.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("SECRET_KEY", "bench-only-secret")

from tests.pgcluster import Visitor, gunicorn, private_cluster, seed  # noqa: E402

USERS = 8
FORM = {"first_name": "Anna", "last_name": "Schmidt", "country": "DE", "postcode": "10115"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    queue = f"bench-pg-{os.getpid()}"
    with private_cluster() as cluster:
        petition, _ = seed(cluster)
        env = {
            "DEBUG": "false",
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "SECRET_KEY": "bench-only-secret-bench-only-secret-0123456789",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_COOKIES": "false",
            "DATABASE_URL": cluster.url,
            "RATELIMIT_ENABLED": "false",
            "ALTCHA_ENABLED": "false",
            "FORM_TRAPS_ENABLED": "false",
            "CELERY_QUEUE": queue,
            "EMAIL_URL": "dummymail://",
        }
        # DEBUG off serves the hashed static files production collects (as the Dockerfile).
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env={**os.environ, **env},
            check=True,
        )
        worker = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "allout", "worker", "-P", "prefork",
                "-c", "2", "-Q", queue, "--without-gossip", "--without-mingle", "-l", "error",
            ],
            cwd=ROOT,
            env={**os.environ, **env},
        )  # fmt: skip
        relay = subprocess.Popen(
            [sys.executable, "manage.py", "outbox_relay"], cwd=ROOT, env={**os.environ, **env}
        )
        statuses: Counter[int] = Counter()
        durations: list[float] = []
        stop = threading.Event()
        numbers = iter(range(10**9))
        lock = threading.Lock()

        def sign_until_stopped(base: str) -> None:
            visitor = Visitor(base)
            while not stop.is_set():
                with lock:
                    email = f"bench{next(numbers)}@example.org"
                started = time.monotonic()
                try:
                    status = visitor.post(petition, "sign/", {**FORM, "email": email})
                except AssertionError:  # the page itself did not answer 200
                    status = 0
                with lock:
                    statuses[status] += 1
                    durations.append(time.monotonic() - started)

        try:
            with gunicorn(env, workers=4) as base:
                users = [
                    threading.Thread(target=sign_until_stopped, args=(base,)) for _ in range(USERS)
                ]
                for user in users:
                    user.start()
                time.sleep(args.seconds / 3)
                cluster.restart()
                time.sleep(args.seconds / 3)
                cluster.restart()
                time.sleep(args.seconds / 3)
                stop.set()
                for user in users:
                    user.join()
                time.sleep(5)  # the relay and the worker send what is left
        finally:
            for process in (relay, worker):
                process.terminate()
                process.wait(timeout=20)
        half = cluster.half_written()
        with cluster.connect() as conn:
            twice = conn.execute(
                "SELECT count(*) FROM (SELECT to_canonical FROM allout_outboxemail"
                " GROUP BY to_canonical HAVING count(*) > 1) AS repeated"
            ).fetchone()
    durations.sort()
    p99 = durations[int(len(durations) * 0.99)] if durations else 0.0
    load = os.getloadavg()[0]
    print(f"\n{USERS} users, {args.seconds:.0f} s, 2 restarts, load average {load:.1f}\n")
    print(
        "| requests | 302 | 503 | 500 | other | p99 (page + sign) | half-written rows "
        "| addresses with two email rows |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    other = sum(n for s, n in statuses.items() if s not in {302, 503, 500})
    print(
        f"| {sum(statuses.values())} | {statuses[302]} | {statuses[503]} | {statuses[500]} "
        f"| {other} | {p99 * 1000:.0f} ms | {sum(half.values())} | {twice[0] if twice else 0} |"
    )


if __name__ == "__main__":
    main()
