"""No log line the platform writes holds a capability token, an email address or a Referer.

The links in the platform's emails stand in for a login; anyone who reads one in a log can
cancel an RSVP, read a person's data or reset a password. Each test captures what a real
logger of the platform writes (Django's loggers at DEBUG, gunicorn's access log, runserver,
the Celery worker) and looks for the tokens it was sent.
"""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from django.test import Client

from allout import logs, privacy
from allout.mail import send_outbox_email
from allout.models import OutboxEmail
from events import attendance_links
from petitions import links as petition_links
from tests.conftest import ROOT, _test_database_url, free_port, make_user
from tests.events.factories import make_attendance, make_event
from tests.petitions.conftest import make_petition, make_signature
from tests.waiting import wait_until

SITE = "http://127.0.0.1:8000"


def forged(token: str) -> str:
    """A token of the real shape whose signature is wrong (the view logs it as not found)."""
    return token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")


# --- The rule --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            '"GET /events/attend/MQ:1tX:abc/ HTTP/1.1" 200',
            '"GET /events/attend/<token>/ HTTP/1.1" 200',
        ),
        ("/events/attend/MQ:1tX:abc/cancel/", "/events/attend/<token>/cancel/"),
        ("/ru/events/alert/MQ:1tX:abc/confirm/", "/ru/events/alert/<token>/confirm/"),
        ("GET /events/alerts/sent/ HTTP/1.1", "GET /events/alerts/sent/ HTTP/1.1"),
        ("Not Found: /my-data/q1w2e3/", "Not Found: /my-data/<token>/"),
        ("/petitions/signature/Mw:1t:x/updates/", "/petitions/signature/<token>/updates/"),
        ("/accounts/confirm-email/MQ:1t:k/", "/accounts/confirm-email/<token>/"),
        ("/accounts/password/reset/key/1-c3s-abc/", "/accounts/password/reset/key/<token>/"),
        (f"{SITE}/my-data/q1w2e3/", f"{SITE}/my-data/<token>/"),
        (
            "/accounts/login/?next=/events/attend/x/&a=1",
            "/accounts/login/?next=<redacted>&a=<redacted>",
        ),
        (
            "/events/nearby.json?lat=55.75&lon=37.61",
            "/events/nearby.json?lat=<redacted>&lon=<redacted>",
        ),
        ("Refused {'masha.p@example.org': (550, b'no')}", "Refused {'<email>': (550, b'no')}"),
        ("GET /events/recap/ HTTP/1.1", "GET /events/recap/ HTTP/1.1"),
    ],
)
def test_redact_hides_tokens_query_values_and_addresses_and_keeps_the_rest(line, expected):
    assert logs.redact(line) == expected


# --- Every tokened route, every logger at DEBUG -----------------------------------------
class Captured:
    def __init__(self) -> None:
        self.stream = io.StringIO()
        self.records: list[logging.LogRecord] = []

    @property
    def text(self) -> str:
        return self.stream.getvalue()


@pytest.fixture
def every_log_line() -> Iterator[Captured]:
    """What every logger writes, at DEBUG, through a handler like the configured ones."""
    captured = Captured()
    handler = logging.StreamHandler(captured.stream)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def keep(record: logging.LogRecord) -> bool:
        captured.records.append(record)
        return True

    handler.addFilter(keep)
    loggers = [logging.getLogger(), *map(logging.getLogger, logging.root.manager.loggerDict)]
    saved = [(logger, logger.level, logger.propagate, logger.disabled) for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.propagate, logger.disabled = True, False
    logging.getLogger().addHandler(handler)
    try:
        yield captured
    finally:
        logging.getLogger().removeHandler(handler)
        for logger, level, propagate, disabled in saved:
            logger.setLevel(level)
            logger.propagate, logger.disabled = propagate, disabled


def tokened_paths() -> list[str]:
    """A path of every route that carries a token, and a forged one of each."""
    event = make_event()
    attendance = make_attendance(event)
    signature = make_signature(make_petition())
    user = make_user("reader@example.org", verified=False)
    address = EmailAddress.objects.get(user=user)
    uid, key = user_pk_to_url_str(user), default_token_generator.make_token(user)
    paths = [
        *(attendance_links.path(attendance, purpose) for purpose in attendance_links.Purpose),
        privacy.data_request_url("reader@example.org").removeprefix(SITE),
        petition_links.CONFIRM.path("petitions:confirm", signature.pk),
        petition_links.MANAGE.path("petitions:delete", signature.pk),
        petition_links.MANAGE.path("petitions:updates", signature.pk),
        f"/accounts/confirm-email/{EmailConfirmationHMAC(address).key}/",
        f"/accounts/password/reset/key/{uid}-{key}/",
    ]
    forgeries = []
    for path in paths:
        segments = path.split("/")
        token = max(segments, key=len)
        segments[segments.index(token)] = forged(token)
        forgeries.append("/".join(segments))
    return paths + forgeries


def tokens_in(paths: list[str]) -> set[str]:
    return {max(path.split("/"), key=len) for path in paths}


@pytest.mark.django_db
def test_no_logger_writes_a_token_of_any_tokened_route(every_log_line):
    paths = tokened_paths()
    client = Client()
    for path in paths:
        client.get(path)
        client.post(path, {"action": "export"})
        client.get(f"/accounts/login/?next={path}")
    assert "Not Found: /events/attend/<token>/" in every_log_line.text  # the forged ones
    assert "/my-data/<token>/" in every_log_line.text
    for token in tokens_in(paths):
        assert token not in every_log_line.text
    assert "reader@example.org" not in every_log_line.text
    for record in every_log_line.records:  # a handler reading the arguments sees no more
        assert record.args is None or record.args == ()


# --- The real servers ------------------------------------------------------------------
def server_env(**extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "DB_CONN_MAX_AGE": "0",
        "LOG_LEVEL": "DEBUG",
        **extra,
    }


def wait_for_http(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server exited"
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer")


def get(url: str, **headers: str) -> int:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture
def stopping() -> Iterator[list[subprocess.Popen]]:
    processes: list[subprocess.Popen] = []
    yield processes
    for process in processes:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def test_gunicorn_with_the_configured_access_log_writes_neither_token_nor_referer(
    django_db_setup, tmp_path: Path, stopping
):
    port, access_log = free_port(), tmp_path / "access.log"
    stopping.append(
        subprocess.Popen(
            [
                *(sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py"),
                *("--bind", f"127.0.0.1:{port}", "--workers", "1"),
                *("--access-logfile", str(access_log)),
                *("--error-logfile", str(tmp_path / "error.log")),
                "allout.wsgi",
            ],
            cwd=ROOT,
            env=server_env(),
        ),
    )
    base = f"http://127.0.0.1:{port}"
    wait_for_http(f"{base}/healthz", stopping[0])
    data_path = privacy.data_request_url("reader@example.org").removeprefix(SITE)
    attend_path = "/events/attend/MTIz:1tXyZa:Zm9yZ2VkLXNpZ25hdHVyZQ/cancel/"
    referer = f"{base}/petitions/signature/Mw:1tXyZa:cmVmZXJlcg/delete/"
    assert get(f"{base}{data_path}?from=newsletter", Referer=referer) == 200
    assert get(f"{base}{attend_path}", Referer=referer) == 404

    def written() -> str | None:
        text = access_log.read_text() if access_log.exists() else ""
        return text if "/my-data/" in text and "/events/attend/" in text else None

    text = wait_until(written, 10, message="access log lines")
    assert '"GET /my-data/<token>/?from=<redacted> HTTP/1.1" 200' in text
    assert '"GET /events/attend/<token>/cancel/ HTTP/1.1" 404' in text
    everything = text + (tmp_path / "error.log").read_text()
    for secret in (*tokens_in([data_path, attend_path]), "cmVmZXJlcg", "newsletter", "Referer"):
        assert secret not in everything
    assert "127.0.0.1" not in text and "Python-urllib" not in text  # no address, no agent


def test_runserver_logs_neither_token_nor_address(django_db_setup, tmp_path: Path, stopping):
    port, output = free_port(), tmp_path / "runserver.log"
    with output.open("w") as sink:
        stopping.append(
            subprocess.Popen(
                [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
                cwd=ROOT,
                env=server_env(DEBUG="true"),
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        )
    base = f"http://127.0.0.1:{port}"
    wait_for_http(f"{base}/healthz", stopping[0], timeout=60)
    data_path = privacy.data_request_url("reader@example.org").removeprefix(SITE)
    assert get(f"{base}{data_path}") == 200
    assert get(f"{base}{forged(data_path.rstrip('/'))}/") == 404

    def written() -> str | None:
        text = output.read_text()
        return text if text.count("/my-data/<token>/") >= 3 else None  # two lines, one warning

    text = wait_until(written, 10, message="runserver's log lines")
    assert "Not Found: /my-data/<token>/" in text
    for token in tokens_in([data_path, forged(data_path.rstrip("/"))]):
        assert token not in text


class RefusingServer:
    """An SMTP server that refuses every message the way spam filters do: naming a link."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    async def handle_DATA(self, server, session, envelope) -> str:
        return f"554 5.7.1 {self.reason}"


@pytest.mark.django_db(transaction=True)
def test_the_worker_logs_a_refused_email_without_its_link_or_address(
    tmp_path: Path, stopping, relay_paused
):
    data_url = privacy.data_request_url("masha@example.org")
    smtp = Controller(
        RefusingServer(f"Message rejected: {data_url} is listed"),
        hostname="127.0.0.1",
        port=free_port(),
    )
    smtp.start()
    queue, output = f"log-test-{os.getpid()}", tmp_path / "worker.log"
    try:
        with output.open("w") as sink:
            stopping.append(
                subprocess.Popen(
                    [
                        *(sys.executable, "-m", "celery", "-A", "allout", "worker", "-Q", queue),
                        *("-P", "solo", "-l", "debug", "--without-gossip", "--without-mingle"),
                        "--without-heartbeat",
                    ],
                    cwd=ROOT,
                    env=server_env(EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}", CELERY_QUEUE=queue),
                    stdout=sink,
                    stderr=subprocess.STDOUT,
                )
            )
        row = OutboxEmail.objects.create(
            kind="test_message", to="masha@example.org", subject="Hello", body_text=data_url
        )
        send_outbox_email.apply_async((row.pk,), queue=queue)

        def failed() -> str | None:
            text = output.read_text()
            return text if f"Sending outbox email {row.pk} failed" in text else None

        text = wait_until(failed, 30, message="the worker's failure line")
    finally:
        smtp.stop()
    assert "/my-data/<token>/ is listed" in text
    assert data_url.split("/")[-2] not in text and "masha@example.org" not in text
