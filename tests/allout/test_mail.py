import datetime
import os
import smtplib
import subprocess
import sys
from datetime import timedelta

import psycopg
import pytest
import time_machine
from django.core import mail as django_mail
from django.db import connection, transaction
from django.utils import timezone

from allout import emails, mail, privacy
from allout.celery import app as celery_app
from allout.circuit import breaker_for
from allout.models import OutboxEmail
from petitions import emails as petitions_emails
from petitions.models import Petition
from tests.concurrency import run_concurrently
from tests.conftest import ROOT
from tests.outbox import rendered
from tests.petitions.conftest import make_petition, make_signature


def test_queue_stores_the_subject_and_the_worker_renders_the_bodies(
    db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        row = mail.queue("test_message", "reader@example.org", {})
    assert callbacks == []  # the request never publishes: the relay does, after commit
    row.refresh_from_db()
    assert row.subject.startswith("Test message from")
    assert row.body_text == "" and row.context is not None  # rendered by the worker
    assert mail.render(row) is True
    row.refresh_from_db()
    assert "email from the platform works" in row.body_text
    assert "<p>" in row.body_html
    # The context stays until it is sent: each try checks it again (render()).
    assert row.context is not None and row.sent_at is None


@time_machine.travel(datetime.datetime(2099, 3, 1, 12, tzinfo=datetime.UTC), tick=False)
def test_every_email_carries_an_unsubscribe_and_a_data_link(db):
    mail.queue("test_message", "reader@example.org", {}, unsubscribe_url="https://x/u/1")
    (row,) = rendered()
    assert "https://x/u/1" in row.body_text and "https://x/u/1" in row.body_html
    data_url = privacy.data_request_url("reader@example.org")
    assert data_url in row.body_text and data_url in row.body_html
    assert row.headers["List-Unsubscribe"] == "<https://x/u/1>"


def test_without_an_unsubscribe_link_the_data_page_is_the_unsubscribe_link(db):
    mail.queue("test_message", "reader@example.org", {}, one_click=True)
    (row,) = rendered()
    assert row.headers["List-Unsubscribe"] == f"<{privacy.data_request_url('reader@example.org')}>"
    assert "List-Unsubscribe-Post" not in row.headers  # the data page asks before it acts


def test_one_click_unsubscribe_is_offered_only_where_a_post_unsubscribes(db):
    mail.queue("test_message", "a@example.org", {}, unsubscribe_url="https://x/u/1", one_click=True)
    mail.queue("test_message", "b@example.org", {}, unsubscribe_url="https://x/u/2")
    one_click, asks = rendered().order_by("to")
    assert one_click.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "List-Unsubscribe-Post" not in asks.headers


def test_a_signers_emails_offer_no_one_click_unsubscribe(db):
    # Their link deletes the signature: a mail client must not do that in one click.
    petitions_emails.confirm_signature(make_signature(make_petition()))
    (row,) = rendered()
    assert "/delete/" in row.headers["List-Unsubscribe"]
    assert "List-Unsubscribe-Post" not in row.headers


def test_the_worker_renders_a_row_as_its_rows_are_when_it_sends(db):
    """A model in the context is stored by reference: the email shows the row as it is at
    the send, and it is written in the row's language whatever the worker's is."""
    petition = make_petition(title="Free them all")
    signature = make_signature(petition, email="signer@example.org", language="de")
    petitions_emails.confirm_signature(signature)
    Petition.objects.filter(pk=petition.pk).update(title_de="Freiheit für alle")
    assert mail.deliver(OutboxEmail.objects.get().pk) is True
    (message,) = django_mail.outbox
    assert "Freiheit für alle" in message.body


def test_an_email_about_a_row_deleted_before_it_was_sent_is_not_sent(db):
    petition = make_petition()
    signature = make_signature(petition, email="gone@example.org")
    petitions_emails.confirm_signature(signature)
    row = OutboxEmail.objects.get()
    signature.delete()
    assert mail.deliver(row.pk) is False
    row.refresh_from_db()
    assert row.failed_at is not None and "deleted" in row.last_error
    assert row.context is None  # nothing of it is kept for a later send
    assert django_mail.outbox == []


def test_a_template_that_fails_to_render_is_retried_with_its_reason_for_staff(db, settings):
    row = mail.queue("test_message", "reader@example.org", {})
    # A row naming a template that does not exist: as a deploy that broke one would.
    OutboxEmail.objects.filter(pk=row.pk).update(kind="no_such_template")
    assert mail.deliver(row.pk) is False
    row.refresh_from_db()
    assert "TemplateDoesNotExist" in row.last_error
    assert row.failed_at is None and row.next_attempt_at is not None and row.claimed_at is None


def test_a_render_never_stores_bodies_over_a_row_sent_meanwhile(db):
    row = mail.queue("test_message", "reader@example.org", {})
    stale = OutboxEmail.objects.get(pk=row.pk)
    assert mail.render(row) is True
    OutboxEmail.objects.filter(pk=row.pk).update(body_text="what was sent", sent_at=timezone.now())
    assert mail.render(stale) is True  # its copy still had the context
    row.refresh_from_db()
    assert row.body_text == "what was sent"


def test_a_rolled_back_transaction_leaves_no_row_and_publishes_nothing(
    db, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        emails.test_message("reader@example.org")
        raise RuntimeError("the change failed")
    assert callbacks == []
    assert not OutboxEmail.objects.exists()


def test_deliver_sends_a_row_once_however_often_it_runs(db):
    row = mail.queue("test_message", "reader@example.org", {})
    assert mail.deliver(row.pk) is True
    assert mail.deliver(row.pk) is False
    assert len(django_mail.outbox) == 1
    row.refresh_from_db()
    assert row.is_sent() and row.attempts == 1
    assert django_mail.outbox[0].to == ["reader@example.org"]
    assert django_mail.outbox[0].alternatives[0][1] == "text/html"


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_for_one_row_send_it_once():
    row = mail.queue("test_message", "reader@example.org", {})
    results = run_concurrently(mail.deliver, [(row.pk,)] * 4)
    assert sorted(results) == [False, False, False, True]
    assert len(django_mail.outbox) == 1


def test_a_mail_server_that_is_down_keeps_the_row_for_a_later_try(db, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 1
    row = mail.queue("test_message", "reader@example.org", {})
    assert mail.deliver(row.pk) is False
    row.refresh_from_db()
    assert row.sent_at is None and row.claimed_at is None and row.last_error
    assert row.attempts == 1 and row.next_attempt_at > timezone.now()
    # Waiting out the back-off: neither a duplicate task nor the sweeper tries it again yet.
    assert mail.deliver(row.pk) is False
    assert mail.requeue_unsent(older_than=timedelta(0)) == 0
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(timezone.now() + mail.retry_delay(1), tick=False):
        assert mail.requeue_unsent(older_than=timedelta(0)) == 1
        assert mail.deliver(row.pk) is True
    assert len(django_mail.outbox) == 1


def test_a_failure_a_quick_worker_records_is_not_marked_published_over(db, settings):
    """The worker takes the task and fails the send before publish() marks the row: the
    mark must not hide the row from the sweep once its back-off is over."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 1
    row = mail.queue("test_message", "reader@example.org", {})
    celery_app.conf.task_always_eager = True  # the task runs inside apply_async: the race
    try:
        assert mail.publish(row.pk) == [row.pk]
    finally:
        celery_app.conf.task_always_eager = False
    row.refresh_from_db()
    assert row.attempts == 1 and row.next_attempt_at > timezone.now()
    assert row.published_at is None
    with time_machine.travel(row.next_attempt_at + timedelta(seconds=1), tick=False):
        assert mail.requeue_unsent(older_than=timedelta(0)) == 1


def test_the_back_off_doubles_up_to_an_hour():
    assert [mail.retry_delay(n) for n in (1, 2, 3)] == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
    ]
    assert mail.retry_delay(30) == timedelta(hours=1)


def test_a_row_is_given_up_on_after_the_last_try_and_purged_later(db, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 1
    row = mail.queue("test_message", "reader@example.org", {})
    OutboxEmail.objects.filter(pk=row.pk).update(attempts=mail.MAX_ATTEMPTS - 1)
    assert mail.deliver(row.pk) is False
    row.refresh_from_db()
    assert row.failed_at is not None and row.next_attempt_at is None
    assert row.last_error.startswith(f"Given up after {mail.MAX_ATTEMPTS} tries; the last: ")
    assert not OutboxEmail.objects.unsent().exists()
    assert mail.purge_sent(days=7) == 0
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        assert mail.purge_sent(days=7) == 1


@pytest.mark.parametrize(
    "failure",
    [
        smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
        ConnectionRefusedError(111, "Connection refused"),
        TimeoutError("timed out"),
        smtplib.SMTPConnectError(554, b"5.3.2 Service currently unavailable"),
        smtplib.SMTPAuthenticationError(535, b"5.7.8 Authentication credentials invalid"),
        smtplib.SMTPResponseException(554, b"5.7.0 TLS not available"),  # STARTTLS
        smtplib.SMTPSenderRefused(530, b"5.7.0 Authentication required", "noreply@x.org"),
        RuntimeError("a bug, which a deploy fixes"),
        smtplib.SMTPRecipientsRefused({"reader@example.org": (450, b"4.2.0 Mailbox busy")}),
    ],
    ids=type,
)
def test_a_dropped_connection_a_timeout_or_our_own_login_refused_is_tried_again(failure):
    reason, permanent = mail.classify_failure(failure)
    assert not permanent
    assert reason and "reader@example.org" not in reason


def test_a_row_whose_every_try_stopped_its_worker_is_given_up_not_tried_for_ever(db, settings):
    row = mail.queue("test_message", "reader@example.org", {})
    stale = timezone.now() - timedelta(seconds=settings.OUTBOX_CLAIM_SECONDS + 1)
    OutboxEmail.objects.filter(pk=row.pk).update(claimed_at=stale, attempts=mail.MAX_ATTEMPTS)
    other = mail.queue("test_message", "other@example.org", {})
    OutboxEmail.objects.filter(pk=other.pk).update(claimed_at=stale, attempts=1)
    assert mail.release_stale_claims(timezone.now()) == 1
    row.refresh_from_db()
    assert row.failed_at is not None and row.claimed_at is None
    assert row.last_error.startswith(f"Given up after {mail.MAX_ATTEMPTS} tries")
    other.refresh_from_db()
    assert other.failed_at is None and other.claimed_at is None and other.published_at is None


def test_a_refused_recipient_is_named_by_its_code_never_its_address():
    refused = smtplib.SMTPRecipientsRefused(
        {"Reader@Example.org": (550, b"5.1.1 <Reader@Example.org>: mailbox unavailable")}
    )
    assert mail.classify_failure(refused) == (
        "550 5.1.1 <<email>>: mailbox unavailable (RCPT TO)",
        True,
    )


def take_published_tasks() -> list[list[int]]:
    """Take every task waiting in this test session's queue off the broker: each one's rows.

    No worker consumes the queue in these tests, so what the code published is still there.
    """
    tasks = []
    with celery_app.connection_for_read() as connection:
        channel = connection.default_channel
        while (message := channel.basic_get(os.environ["CELERY_QUEUE"], no_ack=True)) is not None:
            assert message.headers["task"] == "allout.mail.send_outbox_email"
            args, _kwargs, _embed = message.decode()
            tasks.append(args)
    return tasks


def take_published_sends() -> list[int]:
    """The rows of every task waiting in this test session's queue, taken off the broker."""
    return [pk for task in take_published_tasks() for pk in task]


@pytest.mark.parametrize(
    ("rows", "most", "sizes"),
    [(0, 10, []), (1, 10, [1]), (10, 10, [10]), (11, 10, [6, 5]), (23, 10, [8, 8, 7])],
)
def test_rows_are_published_in_as_few_even_tasks_as_their_most_allows(rows, most, sizes):
    pks = tuple(range(100, 100 + rows))
    tasks = mail.tasks_of(pks, most)
    assert [len(task) for task in tasks] == sizes
    assert [pk for task in tasks for pk in task] == list(pks)


def test_a_burst_of_rows_goes_to_the_workers_in_tasks_of_several_rows(db, settings):
    settings.OUTBOX_TASK_ROWS = 10
    pks = _waiting_rows(23)
    take_published_tasks()
    assert mail.publish(*pks) == pks
    assert take_published_tasks() == [pks[:8], pks[8:16], pks[16:]]


def test_a_task_sends_its_rows_in_order_and_skips_those_sent_or_waiting(db):
    first, sent, backing_off, last = _waiting_rows(4)
    OutboxEmail.objects.filter(pk=sent).update(sent_at=timezone.now())
    OutboxEmail.objects.filter(pk=backing_off).update(
        next_attempt_at=timezone.now() + timedelta(minutes=1)
    )
    assert mail.deliver_many([last, first, sent, backing_off]) == 2
    sent_to = [message.to for message in django_mail.outbox]
    assert sent_to == [["r3@example.org"], ["r0@example.org"]]
    assert mail.deliver_many([first, last]) == 0  # sent already: never twice


def test_a_task_whose_time_is_up_hands_the_rows_it_has_not_begun_back(db):
    pks = _waiting_rows(3)
    take_published_tasks()
    assert mail.deliver_many(pks, seconds=0) == 1  # the first row always goes
    rows = OutboxEmail.objects.in_bulk(pks)
    assert rows[pks[0]].is_sent() and rows[pks[0]].attempts == 1
    for pk in pks[1:]:  # unclaimed, the try not counted, and published again at once
        assert rows[pk].sent_at is None and rows[pk].claimed_at is None
        assert rows[pk].attempts == 0 and rows[pk].published_at is not None
    assert take_published_tasks() == [pks[1:]]
    assert mail.deliver_many(pks[1:]) == 2
    assert len(django_mail.outbox) == 3


def test_the_sweeper_requeues_unsent_rows_but_not_ones_being_sent(db):
    waiting = mail.queue("test_message", "a@example.org", {})
    being_sent = mail.queue("test_message", "b@example.org", {})
    sent = mail.queue("test_message", "c@example.org", {})
    waiting_out_a_back_off = mail.queue("test_message", "d@example.org", {})
    OutboxEmail.objects.filter(pk=being_sent.pk).update(claimed_at=timezone.now())
    OutboxEmail.objects.filter(pk=sent.pk).update(sent_at=timezone.now())
    OutboxEmail.objects.filter(pk=waiting_out_a_back_off.pk).update(
        next_attempt_at=timezone.now() + timedelta(minutes=1)
    )
    take_published_sends()  # what earlier tests left on the broker
    assert mail.requeue_unsent(older_than=timedelta(0)) == 1
    assert take_published_sends() == [waiting.pk]
    assert mail.requeue_unsent(older_than=timedelta(minutes=5)) == 0
    assert take_published_sends() == []


def _waiting_rows(count: int) -> list[int]:
    rows = OutboxEmail.objects.bulk_create(
        OutboxEmail(kind="test_message", to=f"r{i}@example.org", subject="s", body_text="b")
        for i in range(count)
    )
    return [row.pk for row in rows]


def test_one_sweep_publishes_a_whole_backlog_in_batches_and_marks_it_published(db):
    pks = _waiting_rows(2500)
    take_published_sends()
    assert mail.requeue_unsent(older_than=timedelta(0)) == 2500
    assert sorted(take_published_sends()) == sorted(pks)
    assert not OutboxEmail.objects.filter(published_at__isnull=True).exists()


def test_a_row_published_a_moment_ago_is_left_in_the_queue_but_one_published_long_ago_is_not(
    db, settings
):
    recent, lost = _waiting_rows(2)
    OutboxEmail.objects.filter(pk=recent).update(published_at=timezone.now() - timedelta(seconds=5))
    OutboxEmail.objects.filter(pk=lost).update(
        published_at=timezone.now() - timedelta(seconds=settings.OUTBOX_REPUBLISH_SECONDS + 1)
    )
    take_published_sends()
    assert mail.requeue_unsent(older_than=timedelta(0)) == 1
    assert take_published_sends() == [lost]


def test_with_the_queue_empty_a_task_a_dead_worker_took_before_claiming_goes_out_again_soon(
    db, settings
):
    # Published 40 s ago, never claimed, and nothing waits in the queue: its task was in the
    # buffer of a worker that died before starting it. Published 5 s ago: still on its way.
    taken, on_its_way = _waiting_rows(2)
    now = timezone.now()
    OutboxEmail.objects.filter(pk=taken).update(
        published_at=now - timedelta(seconds=settings.OUTBOX_CLAIM_SECONDS + 10)
    )
    OutboxEmail.objects.filter(pk=on_its_way).update(published_at=now - timedelta(seconds=5))
    take_published_sends()
    assert mail.requeue_unsent(older_than=timedelta(0)) == 1
    assert take_published_sends() == [taken]


def test_while_tasks_wait_in_the_queue_a_row_published_a_while_ago_is_left_to_its_task(
    db, settings
):
    (waiting,) = _waiting_rows(1)
    take_published_sends()
    assert mail.publish(waiting) == [waiting]  # its task waits in the queue
    OutboxEmail.objects.filter(pk=waiting).update(
        published_at=timezone.now() - timedelta(seconds=settings.OUTBOX_CLAIM_SECONDS + 10)
    )
    assert mail.requeue_unsent(older_than=timedelta(0)) == 0
    assert take_published_sends() == [waiting]  # one task, not two


def test_a_stale_claim_is_released_and_its_row_published_in_the_same_sweep(db, settings):
    fresh, stale = _waiting_rows(2)
    now = timezone.now()
    # Both tasks were consumed a moment ago, by workers that claimed the rows.
    OutboxEmail.objects.update(published_at=now - timedelta(seconds=2))
    OutboxEmail.objects.filter(pk=fresh).update(claimed_at=now)
    OutboxEmail.objects.filter(pk=stale).update(
        claimed_at=now - timedelta(seconds=settings.OUTBOX_CLAIM_SECONDS + 1)
    )
    take_published_sends()
    assert mail.requeue_unsent(older_than=timedelta(0)) == 1
    assert take_published_sends() == [stale]  # not OUTBOX_REPUBLISH_SECONDS later
    released = OutboxEmail.objects.get(pk=stale)
    assert released.claimed_at is None and released.published_at is not None
    assert OutboxEmail.objects.get(pk=fresh).claimed_at == now
    # Published again, the row is left to its task: the next sweep adds no second one.
    assert mail.requeue_unsent(older_than=timedelta(0)) == 0


def test_a_claim_outlasts_the_send_tasks_time_limits(settings):
    limits = celery_app.tasks["allout.mail.send_outbox_email"]
    assert settings.EMAIL_TIMEOUT < limits.soft_time_limit < limits.time_limit
    assert limits.time_limit < settings.OUTBOX_CLAIM_SECONDS < 60


@pytest.mark.django_db(transaction=True)  # so the NOTIFY is sent at commit
def test_the_outbox_notifies_the_relay_when_an_email_is_committed_and_never_when_rolled_back():
    listener = psycopg.connect(_test_dsn(), autocommit=True)
    try:
        listener.execute(f"LISTEN {mail.RELAY_CHANNEL}")
        with pytest.raises(RuntimeError), transaction.atomic():
            mail.queue("test_message", "rolled-back@example.org", {})
            raise RuntimeError
        assert list(listener.notifies(timeout=0.5)) == []
        mail.queue("test_message", "committed@example.org", {})
        assert [n.channel for n in listener.notifies(timeout=5, stop_after=1)] == ["outbox_email"]
    finally:
        listener.close()


@pytest.mark.django_db(transaction=True)
def test_an_email_the_relay_published_is_not_published_again_by_the_sweeper():
    take_published_sends()
    row = mail.queue("test_message", "once@example.org", {})
    assert mail.requeue_unsent(older_than=timedelta(0)) == 1  # the relay's sweep
    assert take_published_sends() == [row.pk]
    assert mail.requeue_unsent(older_than=timedelta(0)) == 0
    assert take_published_sends() == []


def _test_dsn() -> str:
    db = connection.settings_dict
    return f"host={db['HOST']} port={db['PORT'] or 5432} user={db['USER']} dbname={db['NAME']}"


def test_a_row_whose_send_failed_is_published_again_once_its_back_off_is_over(db, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 1
    (pk,) = _waiting_rows(1)
    assert mail.publish(pk) == [pk]
    take_published_sends()
    assert mail.deliver(pk) is False  # the worker took the task and the send failed
    with time_machine.travel(timezone.now() + mail.retry_delay(1), tick=False):
        assert mail.requeue_unsent(older_than=timedelta(0)) == 1
    assert take_published_sends() == [pk]


def test_a_sweep_with_the_broker_down_publishes_nothing_and_marks_nothing(db, settings):
    _waiting_rows(2500)
    take_published_sends()
    breaker_for(settings.CELERY_BROKER_URL).failed()  # as after a publish that timed out
    assert mail.requeue_unsent(older_than=timedelta(0)) == 0
    assert take_published_sends() == []
    assert not OutboxEmail.objects.filter(published_at__isnull=False).exists()


def test_a_sweep_stops_after_the_batch_that_spent_its_time_budget(db):
    _waiting_rows(2500)
    take_published_sends()
    assert mail.requeue_unsent(older_than=timedelta(0), budget=0) == 1000
    assert len(take_published_sends()) == 1000
    # The next sweep goes on with the rest, oldest first.
    assert mail.requeue_unsent(older_than=timedelta(0), budget=0) == 1000
    assert mail.requeue_unsent(older_than=timedelta(0)) == 500
    assert len(take_published_sends()) == 1500


def test_old_sent_rows_are_purged(db):
    old = mail.queue("test_message", "a@example.org", {})
    fresh = mail.queue("test_message", "b@example.org", {})
    OutboxEmail.objects.filter(pk=old.pk).update(sent_at=timezone.now() - timedelta(days=8))
    OutboxEmail.objects.filter(pk=fresh.pk).update(sent_at=timezone.now())
    assert mail.purge_sent(days=7) == 1
    assert list(OutboxEmail.objects.values_list("pk", flat=True)) == [fresh.pk]


@time_machine.travel(datetime.datetime(2099, 3, 1, 12, tzinfo=datetime.UTC), tick=False)
def test_allauth_emails_go_through_the_outbox(client, db):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "new@example.org",
            "password1": "a-long-pass-123",
            "password2": "a-long-pass-123",
        },
    )
    assert response.status_code == 302
    row = OutboxEmail.objects.get(to="new@example.org")
    assert "/accounts/confirm-email/" in row.body_text
    assert privacy.data_request_url("new@example.org") in row.body_text


def test_every_task_beat_runs_is_known_to_a_freshly_started_worker():
    # A worker loads the tasks its app imports at start-up, not the ones a test imported.
    script = (
        "import django; from allout.celery import app; django.setup();"
        "app.loader.import_default_modules();"
        "from django.conf import settings;"
        "print(sorted(e['task'] for e in settings.CELERY_BEAT_SCHEDULE.values()"
        " if e['task'] not in app.tasks))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "allout.settings"}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, check=True
    )
    assert result.stdout.decode().strip() == "[]"


def test_the_relays_query_reads_only_the_index_of_rows_never_published(db):
    # However many rows wait for a worker or a back-off, the relay walks the few just stored:
    # its query's condition is the partial index's, so the planner may use it (made to, here,
    # with other plans priced out; a condition that drifted from the index's would fail).
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        sql, params = (
            OutboxEmail.objects.unpublished()
            .values_list("pk", flat=True)[:1000]
            .query.sql_with_params()
        )
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(line for (line,) in cursor.fetchall())
    assert "outbox_unpublished_idx" in plan


def test_the_relay_publishes_rows_never_tried_and_leaves_a_back_off_that_ended_to_the_sweep(db):
    new, tried = _waiting_rows(2)
    # Tried once and failed, its back-off over: what _record_failure leaves, a minute on.
    OutboxEmail.objects.filter(pk=tried).update(
        attempts=1, next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    take_published_sends()
    assert mail.publish_new() == 1
    assert take_published_sends() == [new]
    assert mail.requeue_unsent(older_than=timedelta(0)) == 1  # the sweep the relay also runs
    assert take_published_sends() == [tried]
