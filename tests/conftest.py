"""Fixtures shared by every test: users, the SMTP sink, the Celery worker, the browser."""

from __future__ import annotations

import email
import email.policy
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from email.message import EmailMessage
from pathlib import Path
from typing import ClassVar

import pytest
from aiosmtpd.controller import Controller
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import timezone, translation

from allout import circuit
from allout.cache import forget_locals
from allout.celery import app as celery_app
from allout.rows import forget_ids
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- Accounts ---------------------------------------------------------------------------
def make_user(email: str = "someone@example.org", *, verified: bool = True, **kwargs):
    kwargs.setdefault("username", email)
    kwargs.setdefault("email", email)
    password = kwargs.pop("password", "a-long-test-password")
    user = get_user_model().objects.create_user(password=password, **kwargs)
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    return user


@pytest.fixture
def user(db):
    return make_user("member@example.org")


@pytest.fixture
def staff_user(db):
    from allauth.mfa.totp.internal.auth import TOTP

    staff = make_user("moderator@example.org", is_staff=True, is_superuser=True)
    TOTP.activate(staff, "JBSWY3DPEHPK3PXPTESTSTAFFAAAAAAA")
    return staff


def log_in_with_two_factor(client, user) -> None:
    """Log `client` in as `user` the way allauth does after their password and a TOTP code:
    the session records both steps (events.access asks for the second one)."""
    from allauth.account.internal.flows.login import record_authentication
    from allauth.mfa.base.internal.flows import post_authentication
    from allauth.mfa.models import Authenticator
    from django.test import RequestFactory

    client.force_login(user)
    request = RequestFactory().get("/")
    request.user = user
    request.session = client.session
    record_authentication(request, user, "password", email=user.email)
    post_authentication(request, Authenticator.objects.get(user=user, type="totp"))
    request.session.save()


@pytest.fixture(autouse=True)
def _english_to_start() -> None:
    """Each test starts in English: LocaleMiddleware leaves the last request's language
    active in the thread, which a later test's reverse() would write as a prefix."""
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    """Users are made in many tests, and by load_demo; PBKDF2 costs ~0.3 s a password here.
    What the tests check does not depend on the hasher (a test that counts hashing sets its
    own: tests/allout/test_signup_enumeration.py)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    """Rate limits and cached pages live in Redis, a few answers in process memos
    (allout.cache.local), ids handed out ahead in a process list (allout.rows.next_id); no
    test sees another's."""
    cache.clear()
    forget_locals()
    forget_ids()
    yield


@pytest.fixture(autouse=True)
def _close_breakers() -> Iterator[None]:
    """A Redis failure one test provoked does not make the next one skip Redis."""
    circuit.reset()
    yield
    circuit.reset()


# --- A black-holed Redis: accepts connections, never answers --------------------------------
@pytest.fixture
def black_hole() -> Iterator[str]:
    """The URL of a "Redis" that accepts TCP connections and never reads or writes, as a
    hung server or a firewall that drops packets does: every call waits its full timeout."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(listener.accept()[0])
            except OSError:  # closed at teardown
                return

    threading.Thread(target=accept, daemon=True).start()
    yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() (close alone may not)
    listener.close()
    for connection in held:
        connection.close()


# --- Local SMTP sink -----------------------------------------------------------------------
class Sink:
    url: str  # set once the SMTP server listens

    """An SMTP server in this process that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.messages if address in m["To"]]

    def wait_for(
        self, predicate: Callable[[list[EmailMessage]], bool], timeout: float = 20
    ) -> list[EmailMessage]:
        """The messages received, once predicate accepts them."""

        def accepted() -> list[EmailMessage] | None:
            with self._lock:
                snapshot = list(self.messages)
            return snapshot if predicate(snapshot) else None

        try:
            return wait_until(accepted, timeout, message="email")
        except AssertionError:
            raise AssertionError(
                f"Timed out waiting for email; sink holds {len(self.messages)}"
            ) from None


@pytest.fixture(scope="session")
def smtp_sink() -> Iterator[Sink]:
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    sink.url = f"smtp://127.0.0.1:{controller.port}"
    yield sink
    controller.stop()


@pytest.fixture
def mailbox(smtp_sink: Sink) -> Sink:
    smtp_sink.clear()
    return smtp_sink


# --- A real Celery worker ----------------------------------------------------------------
def _test_database_url() -> str:
    db = settings.DATABASES["default"]
    return f"postgis://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


class Relay:
    """The outbox relay (manage.py outbox_relay) as a process a test may stop and start."""

    running: ClassVar[set[Relay]] = set()

    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None
        self.env: dict[str, str] = {}

    def start(self, **env: str) -> None:
        self.env = env
        env = {**os.environ, "DATABASE_URL": _test_database_url(), **env}
        command = [sys.executable, "manage.py", "outbox_relay"]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env)
        Relay.running.add(self)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None
        Relay.running.discard(self)


@pytest.fixture
def relay_paused() -> Iterator[None]:
    """No session relay publishes while the test runs: for a test that publishes to
    workers of its own, which the session's relay would hand its rows to the session's
    worker before them."""
    paused = list(Relay.running)
    for relay in paused:
        relay.stop()
    yield
    for relay in paused:
        relay.start(**relay.env)


@pytest.fixture(scope="session")
def outbox_relay(django_db_setup) -> Iterator[Relay]:
    """The relay against the test database, publishing each email as its transaction commits."""
    relay = Relay()
    relay.start()
    try:
        yield relay
    finally:
        relay.stop()


@pytest.fixture(scope="session")
def celery_worker(
    django_db_setup, django_db_blocker, smtp_sink: Sink, outbox_relay: Relay
) -> Iterator[None]:
    """A worker process against the real Redis, the test database and the SMTP sink, with
    the relay publishing to it."""
    env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "EMAIL_URL": smtp_sink.url,
        "DB_CONN_MAX_AGE": "0",
    }
    celery_app.control.purge()
    process = subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "allout", "worker",
            "-P", "prefork", "-c", "2", "-Q", os.environ["CELERY_QUEUE"],
            "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "warning",
        ],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    try:
        _wait_for_worker(process)
        _session_worker.append(process)
        yield
    finally:
        _session_worker.clear()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


# The session's worker, once a test has started it (celery_worker).
_session_worker: list[subprocess.Popen] = []


@pytest.fixture(autouse=True)
def _worker_done_before_flush(request: pytest.FixtureRequest) -> Iterator[None]:
    """After a test whose rows are committed, wait (10 s at most) until the session's relay
    has published what it stored and the session's worker is done with it: the test's
    database is emptied next (TRUNCATE of every table), and a worker's task running then
    can deadlock with it (seen once: a deferred decision locking a sign-up, then the
    outbox), failing the flush and leaving rows for the tests after it."""
    yield
    # Marked tests only: their database is set up before this fixture and emptied after it
    # (one that asks for transactional_db through a fixture of its own is emptied first).
    marker = request.node.get_closest_marker("django_db")
    if not _session_worker or marker is None or not marker.kwargs.get("transaction"):
        return
    # A test that left its rows unpublishable (a stopped broker): flushed after the wait.
    with suppress(AssertionError):
        wait_until(_nothing_in_flight, timeout=10, interval=0.1, message="the session worker")


def _nothing_in_flight() -> bool:
    from allout.models import OutboxEmail

    waiting = OutboxEmail.objects.due(timezone.now()).filter(
        published_at__isnull=True, claimed_at__isnull=True
    )
    return not waiting.exists() and worker_is_idle()


def worker_is_idle() -> bool:
    """True when no task waits in this session's queue and the worker holds none.

    Checked in that order (queue, reserved, active), a task cannot slip between the checks
    unseen: one taken off the queue is reserved, then active, then done.
    """
    with celery_app.connection_for_read() as connection:
        _, waiting, _ = connection.default_channel.queue_declare(os.environ["CELERY_QUEUE"])
    if waiting:
        return False
    inspect = celery_app.control.inspect(timeout=1, limit=1)  # the one worker started above
    for held in (inspect.reserved(), inspect.active()):
        if not held or any(held.values()):  # no answer, or tasks in hand
            return False
    return True


def _wait_for_worker(process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("The Celery worker exited at start-up")
        replies = celery_app.control.ping(timeout=0.5)
        if replies:
            return
    raise RuntimeError("The Celery worker did not answer within 30 s")


# --- Browser (Debian's Chromium through Playwright) ------------------------------------------
@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }
