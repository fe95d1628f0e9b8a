"""`make run`'s web process, started from the Procfile's own line, holds a bounded number of
PostgreSQL connections however many requests it serves (issue 11: runserver's thread per
request kept a connection each for DB_CONN_MAX_AGE and ran PostgreSQL out of clients)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest

from tests.conftest import ROOT, _test_database_url, free_port
from tests.waiting import wait_until

# The Procfile's web line runs this many gunicorn workers unless WEB_CONCURRENCY says otherwise.
WORKERS = 3


def procfile_line(name: str) -> str:
    for line in (ROOT / "Procfile").read_text().splitlines():
        match = re.match(rf"^{name}:\s*(.+)$", line)
        if match:
            return match.group(1)
    raise AssertionError(f"the Procfile has no {name} line")


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def connections_named(application_name: str) -> int:
    with psycopg.connect(_test_database_url().replace("postgis://", "postgresql://", 1)) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND application_name = %s",
            [application_name],
        ).fetchone()
    assert row is not None
    return row[0]


@pytest.fixture
def web(transactional_db, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The web process as honcho starts it (the line through a shell, HOST and PORT set),
    against the test database (transactional_db: migrated, and what the test writes is seen
    by the server); libpq names each of its connections from PGAPPNAME."""
    port, name = free_port(), f"make-run-web-{uuid.uuid4().hex[:12]}"
    # make run's defaults: its worker count and its DB_CONN_MAX_AGE, which keeps connections.
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"WEB_CONCURRENCY", "DB_CONN_MAX_AGE"}
    }
    env |= {
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "DEBUG": "true",
        "DATABASE_URL": _test_database_url(),
        "PGAPPNAME": name,
    }
    with (tmp_path / "web.log").open("w") as log:
        process = subprocess.Popen(
            ["/bin/sh", "-c", procfile_line("web")],  # as honcho runs it: through a shell
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped whole below
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(
            lambda: process.poll() is None and status_of(f"{base}/healthz") == 200,
            60,
            message="the web process to answer /healthz",
        )
        yield base, name
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_make_runs_web_process_holds_at_most_one_connection_per_worker_under_load(web):
    base, name = web
    urls = [f"{base}/healthz", f"{base}/events/"] * 150
    counts: list[int] = []
    done = threading.Event()

    def sample() -> None:  # one watcher, so the test itself adds one connection, not thirty
        while not done.wait(0.05):
            counts.append(connections_named(name))

    watcher = threading.Thread(target=sample)
    watcher.start()
    try:
        with ThreadPoolExecutor(max_workers=30) as pool:
            statuses = list(pool.map(status_of, urls))
    finally:
        done.set()
        watcher.join()
    counts.append(connections_named(name))

    assert len(statuses) == 300
    assert [status for status in statuses if status != 200] == []
    assert 1 <= max(counts) <= WORKERS, counts


def test_make_runs_web_process_serves_static_files(web):
    base, _ = web
    css = next(path for path in (ROOT / "static").rglob("*.css"))
    assert status_of(f"{base}/static/{css.relative_to(ROOT / 'static').as_posix()}") == 200
