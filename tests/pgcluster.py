"""A private PostgreSQL cluster and a gunicorn serving the platform against it.

Fault tests and bench/pg_restart.py restart PostgreSQL under a running site; the machine's
cluster (port 5432) is shared by every checkout here, so they get one of their own:
pg_createcluster on a free port, PostGIS from the machine's packages, the platform's
migrations, removed with pg_dropcluster at the end.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parent.parent
VERSION = "15"
DATABASE = "allout"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateCluster:
    """One pg_createcluster cluster on a free port, trusting local connections."""

    def __init__(self) -> None:
        self.name = f"allout_{uuid.uuid4().hex[:8]}"
        self.port = free_port()
        self.url = f"postgis://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def _ctl(self, action: str) -> None:
        subprocess.run(["pg_ctlcluster", VERSION, self.name, action], check=True)

    def create(self) -> None:
        # Durability off: these databases are thrown away, and an fsync per commit would
        # measure the disk instead of the platform.
        subprocess.run(
            [
                "pg_createcluster", VERSION, self.name, "--port", str(self.port),
                "-o", "fsync=off", "-o", "synchronous_commit=off", "-o", "full_page_writes=off",
                "--", "--auth=trust",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        self.start()
        with self.connect("postgres") as conn:
            conn.execute(f"CREATE DATABASE {DATABASE}")
        with self.connect() as conn:
            conn.execute("CREATE EXTENSION postgis")
        env = {**os.environ, "DATABASE_URL": self.url}
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True
        )

    def start(self) -> None:
        self._ctl("start")

    def stop(self) -> None:
        self._ctl("stop")

    def restart(self) -> None:
        """As an operator's restart: open sessions are ended (SQLSTATE 57P01)."""
        self._ctl("restart")

    def drop(self) -> None:
        subprocess.run(
            ["pg_dropcluster", "--stop", VERSION, self.name], check=False, capture_output=True
        )

    def connect(self, database: str = DATABASE) -> psycopg.Connection:
        return psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=database, autocommit=True
        )

    def half_written(self) -> dict[str, int]:
        """Signatures without their confirmation email row, and email rows without theirs."""
        with self.connect() as conn:
            alone = conn.execute(
                "SELECT count(*) FROM petitions_signature s WHERE NOT EXISTS"
                " (SELECT 1 FROM allout_outboxemail o WHERE o.to_canonical = s.email_normalized)"
            ).fetchone()
            orphans = conn.execute(
                "SELECT count(*) FROM allout_outboxemail o WHERE o.kind LIKE 'petition_%'"
                " AND NOT EXISTS (SELECT 1 FROM petitions_signature s"
                " WHERE s.email_normalized = o.to_canonical)"
            ).fetchone()
        assert alone is not None and orphans is not None
        return {"signatures without email": alone[0], "emails without signature": orphans[0]}


@contextmanager
def private_cluster() -> Iterator[PrivateCluster]:
    cluster = PrivateCluster()
    try:
        cluster.create()
        yield cluster
    finally:
        cluster.drop()


def status_of(url: str, timeout: float = 30) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


@contextmanager
def gunicorn(env: dict[str, str], workers: int = 2) -> Iterator[str]:
    """gunicorn serving the platform with `env`; yields its base URL once it answers."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "allout.wsgi", "-b", f"127.0.0.1:{port}",
            "-w", str(workers), "--no-control-socket",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(
            lambda: process.poll() is None and status_of(f"{base}/healthz") != 0,
            60,
            message="gunicorn to answer",
        )
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


_SEED = """
import django
django.setup()
from tests.events.factories import make_event
from tests.petitions.conftest import make_petition
make_petition(slug="restart-petition")
make_event(slug="restart-event")
"""


def seed(cluster: PrivateCluster) -> tuple[str, str]:
    """A petition and an event in the cluster's database: their page paths."""
    env = {**os.environ, "DATABASE_URL": cluster.url, "DJANGO_SETTINGS_MODULE": "allout.settings"}
    subprocess.run([sys.executable, "-c", _SEED], cwd=ROOT, env=env, check=True)
    return "/petitions/restart-petition/", "/events/restart-event/"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 302 itself is the answer


class Visitor:
    """A browser: its own cookies (session, CSRF), a form read from the page, a POST."""

    def __init__(self, base: str) -> None:
        self.base = base
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(jar), _NoRedirect
        )

    def get(self, path: str, timeout: float = 30) -> tuple[int, bytes, dict]:
        return self._open(urllib.request.Request(self.base + path), timeout)  # noqa: S310

    def post(self, page: str, action: str, form: dict, timeout: float = 30) -> int:
        status, body, _ = self.get(page)
        assert status == 200, status
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        assert token is not None
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token.group(1), **form}).encode()
        request = urllib.request.Request(self.base + page + action, data=data)  # noqa: S310
        request.add_header("Referer", self.base + page)
        return self._open(request, timeout)[0]

    def _open(self, request: urllib.request.Request, timeout: float) -> tuple[int, bytes, dict]:
        try:
            with self.opener.open(request, timeout=timeout) as response:
                return response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read(), dict(error.headers)
