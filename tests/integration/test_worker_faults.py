"""A worker stopped mid-send: SIGTERM lets every email being sent finish and be marked sent;
SIGKILL leaves its claims behind, and the sweeper frees them once they go stale.

Each test runs its own Celery worker (prefork, 2 processes, in a process group of its own,
as honcho, systemd or a container runtime start it) on a queue of its own, sending to an
SMTP sink that takes half a second per message, so sends are in flight when the signal
comes. The claim is shortened to a few seconds for the run, as OUTBOX_CLAIM_SECONDS allows,
and with it the time a task may start new rows (OUTBOX_TASK_SECONDS, half a second): each
task of TASK_ROWS rows sends one or two and hands the rest back to the queue.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.db import transaction

from allout import mail
from allout.celery import app as celery_app
from allout.models import OutboxEmail
from tests.conftest import ROOT, Sink, _test_database_url, free_port
from tests.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

CLAIM_SECONDS = 6  # the worker's time limits: 4 s soft, 5 s hard
EMAILS = 10
TASK_ROWS = 3  # what this process publishes: tasks of 3, 3, 3 and 1 rows


class SlowSink(Sink):
    """Takes `delay` seconds over each message before accepting it, as a busy server does.

    While `holding` is set, it keeps each message it has taken (after the delay) unanswered,
    so a test can signal a worker while it knows which sends are in flight.
    """

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay
        self.holding = threading.Event()
        self.held: dict[int, str] = {}  # by session: the recipient of the message kept waiting

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.delay)
        if self.holding.is_set():
            with self._lock:
                self.held[id(session)] = envelope.rcpt_tos[0]
            try:
                while self.holding.is_set():
                    if server.transport is None or server.transport.is_closing():
                        # The sender gave up waiting (its EMAIL_TIMEOUT): not a send in
                        # flight any more, and not a message taken.
                        return "421 4.4.2 Closing: the client went away"
                    await asyncio.sleep(0.01)
            finally:
                with self._lock:
                    del self.held[id(session)]
        return await super().handle_DATA(server, session, envelope)

    def kept_waiting(self) -> set[str]:
        with self._lock:
            return set(self.held.values())


@pytest.fixture
def slow_sink() -> Iterator[SlowSink]:
    sink = SlowSink(delay=0.5)
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    sink.url = f"smtp://127.0.0.1:{controller.port}"
    yield sink
    controller.stop()


@pytest.fixture
def queue_name(settings, relay_paused) -> Iterator[str]:
    """A queue only this test's workers read; this process publishes to it (the session's
    worker, if one runs, reads another), and sweeps with the workers' claim."""
    name = f"{os.environ['CELERY_QUEUE']}-faults"
    default = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = name
    settings.OUTBOX_CLAIM_SECONDS = CLAIM_SECONDS
    settings.OUTBOX_TASK_ROWS = TASK_ROWS
    yield name
    celery_app.conf.task_default_queue = default
    with celery_app.connection_for_write() as connection:
        connection.default_channel.queue_purge(name)


@pytest.fixture
def start_worker(queue_name: str) -> Iterator[Callable[[Sink], subprocess.Popen]]:
    started: list[subprocess.Popen] = []

    def start(sink: Sink) -> subprocess.Popen:
        hostname = f"faults-{len(started)}-{os.getpid()}@localhost"
        env = {
            **os.environ,
            "DATABASE_URL": _test_database_url(),
            "DB_CONN_MAX_AGE": "0",
            "EMAIL_URL": sink.url,
            "EMAIL_TIMEOUT": "3",
            "OUTBOX_CLAIM_SECONDS": str(CLAIM_SECONDS),
        }
        process = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "allout", "worker", "-n", hostname,
                "-P", "prefork", "-c", "2", "-Q", queue_name,
                "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "error",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,  # its own process group, as a process manager starts it
        )  # fmt: skip
        started.append(process)
        wait_until(
            lambda: (
                process.poll() is None
                and celery_app.control.ping(destination=[hostname], timeout=0.5)
            ),
            timeout=30,
            message="the worker to start",
        )
        return process

    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def queue_emails() -> list[int]:
    with transaction.atomic():
        rows = [mail.queue("test_message", f"reader{n}@example.org", {}) for n in range(EMAILS)]
    pks = [row.pk for row in rows if row is not None]
    mail.publish(*pks)  # as the relay does once they are committed (to this test's queue)
    return pks


def in_flight() -> set[int]:
    """The rows a worker has claimed and not yet marked sent: the one each task is sending,
    and those after it in the task."""
    return set(
        OutboxEmail.objects.unsent().filter(claimed_at__isnull=False).values_list("pk", flat=True)
    )


def tasks_in_flight() -> int:
    """How many tasks hold claims (each claims its rows in one UPDATE, at one time)."""
    claims = OutboxEmail.objects.unsent().filter(claimed_at__isnull=False)
    return claims.values("claimed_at").distinct().count()


def unsent() -> set[int]:
    return set(OutboxEmail.objects.unsent().values_list("pk", flat=True))


def wait_for_sends_in_flight(sink: SlowSink) -> tuple[set[int], set[str]]:
    """Once a few emails are through, hold both pool processes in the middle of a message
    (the sink keeps them unanswered until `sink.holding` is cleared): the rows the two tasks
    hold (claimed: the one each is sending, and those after it in the task), and the two
    addresses being sent."""
    wait_until(lambda: len(sink.messages) >= 2, message="the first emails")
    sink.holding.set()

    def both() -> tuple[set[int], set[str]] | None:
        being_sent = sink.kept_waiting()
        return (in_flight(), being_sent) if len(being_sent) == 2 else None

    held, being_sent = wait_until(both, message="two sends in flight")
    assert tasks_in_flight() == 2
    return held, being_sent


def deliveries(sink: Sink) -> Counter[str]:
    return Counter(message["To"] for message in sink.messages)


def test_sigterm_to_every_process_lets_each_email_being_sent_finish_and_be_marked_sent(
    slow_sink, start_worker
):
    pks = queue_emails()
    worker = start_worker(slow_sink)
    held, being_sent = wait_for_sends_in_flight(slow_sink)

    os.killpg(worker.pid, signal.SIGTERM)  # the main process and both pool processes
    slow_sink.holding.clear()  # the two messages are answered
    assert worker.wait(timeout=30) == 0  # a warm shutdown

    rows = OutboxEmail.objects.in_bulk(pks)
    # The two emails being sent when the signal came were finished and marked sent.
    assert {rows[pk].to for pk in held if rows[pk].sent_at is not None} >= being_sent
    # Every other row the two tasks held was handed back untried: unclaimed, its try not
    # counted, no failure recorded. None waits for its claim to go stale.
    for pk in held:
        if rows[pk].sent_at is None:
            assert rows[pk].claimed_at is None and rows[pk].attempts == 0
            assert rows[pk].last_error == "" and rows[pk].next_attempt_at is None
    sent = {row.to for row in rows.values() if row.sent_at is not None}
    assert deliveries(slow_sink) == Counter(sent)  # each sent once, each marked sent
    assert len(sent) < EMAILS  # the rest waited in the queue for the next worker

    start_worker(slow_sink)
    slow_sink.wait_for(lambda messages: len(messages) >= EMAILS)
    wait_until(lambda: not unsent(), message="every row sent")
    assert deliveries(slow_sink) == Counter(f"reader{n}@example.org" for n in range(EMAILS))
    assert OutboxEmail.objects.filter(attempts=1).count() == EMAILS  # none sent twice


def test_after_sigkill_the_dead_workers_emails_leave_once_their_claims_go_stale(
    slow_sink, start_worker
):
    queue_emails()
    worker = start_worker(slow_sink)
    held, being_sent = wait_for_sends_in_flight(slow_sink)

    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)
    slow_sink.holding.clear()
    # The claims still stand (the sweeper cannot tell a dead sender from a slow one until
    # they go stale), and the other rows' tasks are still queued: a sweep now sends nothing.
    assert mail.requeue_unsent(older_than=timedelta(0)) == 0

    start_worker(slow_sink)  # takes the tasks still queued, not the dead worker's
    wait_until(lambda: unsent() == held, message="every other row sent", timeout=30)
    wait_until(
        lambda: mail.requeue_unsent(older_than=timedelta(0)) or None,  # what beat runs
        timeout=CLAIM_SECONDS + 5,
        interval=0.5,
        message="a sweep to release the stale claims",
    )
    wait_until(lambda: not unsent(), message="the dead worker's rows sent")

    received = deliveries(slow_sink)
    assert set(received) == {f"reader{n}@example.org" for n in range(EMAILS)}
    # A message the server accepted in the instant before the kill, not yet marked sent,
    # goes out again (the accepted risk): at most one duplicate for each of the two sends in
    # flight, none for any other row, the dead tasks' other rows included.
    again = {address for address, count in received.items() if count > 1}
    assert all(received[address] == 2 for address in again)
    assert again <= being_sent
