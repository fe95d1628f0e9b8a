"""The email path end to end: outbox row → Redis → a real Celery worker → an SMTP sink."""

import http.cookiejar
import os
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pytest
from django.db import transaction

from allout import emails, mail
from allout.mail import send_outbox_email
from allout.models import OutboxEmail
from tests.conftest import ROOT, _test_database_url, free_port, worker_is_idle
from tests.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_a_committed_row_reaches_the_smtp_sink_through_the_worker(celery_worker, mailbox):
    with transaction.atomic():
        emails.test_message("reader@example.org")
    (message,) = mailbox.wait_for(lambda msgs: len(msgs) == 1)
    assert message["To"] == "reader@example.org"
    assert message["Subject"].startswith("Test message from")
    assert message["List-Unsubscribe"].strip().startswith("<http")
    # The worker marks the row sent just after the sink took the message.
    wait_until(lambda: OutboxEmail.objects.get().is_sent(), message="the row marked sent")


def test_a_row_is_sent_once_when_its_task_runs_twice(celery_worker, mailbox):
    row = mail.queue("test_message", "twice@example.org", {})  # autocommit: published now
    send_outbox_email.delay(row.pk)
    send_outbox_email.delay(row.pk)
    mailbox.wait_for(lambda msgs: len(msgs) >= 1)
    wait_until(worker_is_idle, message="the duplicate tasks to run (and do nothing)")
    assert len(mailbox.to("twice@example.org")) == 1
    row.refresh_from_db()
    assert row.attempts == 1


def test_a_rolled_back_transaction_sends_nothing(celery_worker, mailbox):
    with pytest.raises(RuntimeError), transaction.atomic():
        emails.test_message("never@example.org")
        raise RuntimeError("rolled back")
    emails.test_message("after@example.org")
    mailbox.wait_for(lambda msgs: len(msgs) == 1)
    # Had the rolled-back row been published, it would have been before this one.
    wait_until(worker_is_idle, message="the worker to finish every task")
    assert [m["To"] for m in mailbox.messages] == ["after@example.org"]


def _serve(env: dict) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "allout.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": _test_database_url(), "DB_CONN_MAX_AGE": "0", **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            urllib.request.urlopen(base + "/privacy/", timeout=1)  # noqa: S310
        except OSError:
            return False
        return True

    try:
        wait_until(answers, interval=0.1, message="gunicorn to start")
    except AssertionError:
        process.kill()
        raise
    return process, base


def test_with_the_broker_down_signing_up_is_quick_and_the_email_follows(celery_worker, mailbox):
    # The web process talks to a closed port where Redis should be.
    server, base = _serve({"REDIS_URL": "redis://127.0.0.1:1/0"})
    try:
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        form = opener.open(base + "/accounts/signup/").read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
        data = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": token,
                "email": "offline@example.org",
                "password1": "a-long-pass-123",
                "password2": "a-long-pass-123",
            }
        ).encode()
        request = urllib.request.Request(base + "/accounts/signup/", data=data)  # noqa: S310
        request.add_header("Referer", base + "/accounts/signup/")
        started = time.monotonic()
        response = opener.open(request)
        elapsed = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert response.status == 200  # followed the redirect to "check your email"
    assert elapsed < 2, f"the request took {elapsed:.2f} s with the broker down"
    row = OutboxEmail.objects.get(to="offline@example.org")
    # The web process never talks to the broker: the relay (on the real Redis) publishes
    # the row once it is committed. With the relay's broker down too, see test_relay.py.
    (message,) = mailbox.wait_for(lambda msgs: len(msgs) == 1)
    assert message["To"] == "offline@example.org"
    assert "/accounts/confirm-email/" in message.get_body(("plain",)).get_content()
    # The worker marks the row sent just after the sink took the message.
    wait_until(lambda: OutboxEmail.objects.get(pk=row.pk).is_sent(), message="the row marked sent")


def test_healthz_names_a_database_that_does_not_answer():
    server, base = _serve({"DATABASE_URL": "postgis://postgres@127.0.0.1:1/nowhere"})
    try:
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(base + "/healthz", timeout=10)  # noqa: S310
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert error.value.code == 503
    assert error.value.read() == b'{"database": "unavailable", "broker": "ok"}'
