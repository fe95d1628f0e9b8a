"""A Redis that hangs (accepts TCP, never answers) costs a request at most one short wait.

A gunicorn process is pointed at a black-holed "Redis" for its cache, rate limits and
broker; before the circuit breaker (allout.circuit) a sign waited 4 s there and the home
page 5 s, one timeout per Redis call.
"""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest

from allout.mail import requeue_unsent_email
from allout.models import OutboxEmail
from tests.conftest import ROOT, _test_database_url, free_port, worker_is_idle
from tests.petitions.conftest import make_petition, sign_form
from tests.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

# Long enough that a request never meets the end of a period halfway through; the sign
# below waits for one to end, so it pays the trial's wait as a fresh process would.
BREAKER_SECONDS = 3


@pytest.fixture
def hung_server(black_hole: str) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "DB_CONN_MAX_AGE": "0",
        "REDIS_URL": black_hole,
        "REDIS_BREAKER_SECONDS": str(BREAKER_SECONDS),
        "RATELIMIT_ENABLED": "true",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "allout.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def listens() -> bool:
        # Not an HTTP request: the first one is measured, with the breaker still closed.
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        except OSError:
            return False
        return True

    try:
        wait_until(listens, interval=0.1, message="gunicorn to start")
        url = f"http://127.0.0.1:{port}"
        # A first request loads what a process loads once (the URLs, the templates): on a
        # busy machine that alone can take a second, which is not Redis's to answer for.
        # Then the breaker's period ends, so the first request measured pays one wait again.
        urllib.request.urlopen(url + "/", timeout=30).read()  # noqa: S310 (our http URL)
        time.sleep(BREAKER_SECONDS + 0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 302 itself is the answer measured


def _timed(opener: urllib.request.OpenerDirector, request) -> tuple[int, bytes, float]:
    started = time.monotonic()
    try:
        response = opener.open(request, timeout=30)
        status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    return status, body, time.monotonic() - started


def test_with_redis_hung_pages_signing_and_healthz_answer_within_two_seconds(
    hung_server, celery_worker, mailbox
):
    petition = make_petition()
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)

    # The breaker is due a trial (the fixture's warm-up opened it): its first call waits.
    status, _, elapsed = _timed(opener, hung_server + "/")
    assert status == 200
    assert elapsed < 2, f"the home page took {elapsed:.2f} s with Redis hung"

    status, body, elapsed = _timed(opener, hung_server + "/healthz")
    assert status == 503
    assert b'"broker": "unavailable"' in body
    assert elapsed < 2, f"/healthz took {elapsed:.2f} s with Redis hung"

    page = f"{hung_server}/petitions/{petition.slug}/"
    status, body, elapsed = _timed(opener, page)
    assert status == 200
    assert elapsed < 2, f"the petition page took {elapsed:.2f} s with Redis hung"
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()

    time.sleep(BREAKER_SECONDS + 0.2)  # the breaker is due a trial: the sign pays one wait
    data = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, **sign_form(email="hung@example.org")}
    ).encode()
    request = urllib.request.Request(page + "sign/", data=data)  # noqa: S310
    request.add_header("Referer", page)
    status, _, elapsed = _timed(opener, request)
    assert status == 302
    assert elapsed < 2, f"signing took {elapsed:.2f} s with Redis hung"

    row = OutboxEmail.objects.get(to="hung@example.org")
    assert row.sent_at is None
    assert mailbox.to("hung@example.org") == []

    # Redis is back (this process and the worker use the real one): the sweeper publishes.
    requeue_unsent_email.delay(older_than_seconds=0)
    mailbox.wait_for(lambda msgs: len(msgs) == 1)
    wait_until(lambda: OutboxEmail.objects.get(pk=row.pk).is_sent(), message="the row marked sent")
    wait_until(worker_is_idle, message="the worker to finish every task")
    assert len(mailbox.to("hung@example.org")) == 1
