"""What the outbox does with each answer a real SMTP server can give: a 4xx at any stage is
a try to repeat after the back-off, a 5xx to the email itself gives the row up, with the
server's reason for staff to read and no address in it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

from allout import mail
from allout.models import BlockedAddress, OutboxEmail
from events.models import Event
from events.services import rsvp
from tests.conftest import Sink, free_port, log_in_with_two_factor
from tests.events.factories import make_attendance, make_event

# An answer to give instead of accepting, given the address the command is about; None accepts.
Refusal = Callable[[str], str | None]


def first_try_of_each(answer: str) -> Refusal:
    """Refuse each address once with `answer`, then accept it: what a greylisting server does
    (keyed on the sender at MAIL FROM, the same for every email: its first try only)."""
    seen: set[str] = set()

    def refuse(address: str) -> str | None:
        if address in seen:
            return None
        seen.add(address)
        return answer

    return refuse


def always(answer: str) -> Refusal:
    return lambda address: answer


class FaultySink(Sink):
    """The test sink, made to refuse MAIL FROM, RCPT TO or DATA as a script says."""

    def __init__(
        self,
        *,
        mail: Refusal | None = None,
        rcpt: Refusal | None = None,
        data: Refusal | None = None,
    ) -> None:
        super().__init__()
        self.refuse_mail, self.refuse_rcpt, self.refuse_data = mail, rcpt, data

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.refuse_mail and (answer := self.refuse_mail(address)):
            return answer
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_rcpt and (answer := self.refuse_rcpt(address)):
            return answer
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_data and (answer := self.refuse_data(envelope.rcpt_tos[0])):
            return answer
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def serve(settings) -> Iterator[Callable[[FaultySink], FaultySink]]:
    """Start a sink and send the platform's email to it."""
    controllers: list[Controller] = []

    def start(sink: FaultySink) -> FaultySink:
        controller = Controller(sink, hostname="127.0.0.1", port=free_port())
        controller.start()
        controllers.append(controller)
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
        settings.EMAIL_TIMEOUT = 5
        return sink

    yield start
    for controller in controllers:
        controller.stop()


def deliver_due() -> list[bool]:
    """What a worker does with every row the sweeper would publish now."""
    due = OutboxEmail.objects.due(timezone.now()).order_by("pk").values_list("pk", flat=True)
    return [mail.deliver(pk) for pk in due]


def test_a_greylisting_server_receives_every_email_once_after_the_back_off(db, serve):
    sink = serve(FaultySink(rcpt=first_try_of_each("451 4.3.0 Try again later")))
    recipients = [f"reader{n}@example.org" for n in range(5)]
    for to in recipients:
        mail.queue("test_message", to, {})

    with time_machine.travel(timezone.now()) as traveller:
        assert deliver_due() == [False] * 5
        rows = OutboxEmail.objects.all()
        assert all(row.failed_at is None and row.next_attempt_at is not None for row in rows)
        assert {row.last_error for row in rows} == {"451 4.3.0 Try again later (RCPT TO)"}
        assert deliver_due() == [] and sink.messages == []  # waiting out the back-off

        traveller.shift(mail.retry_delay(1))
        assert deliver_due() == [True] * 5
        traveller.shift(mail.RETRY_MAX)
        assert deliver_due() == []

    assert sorted(message["To"] for message in sink.messages) == recipients
    assert all(row.is_sent() and row.attempts == 2 for row in OutboxEmail.objects.all())


@pytest.mark.parametrize(
    ("stage", "answer"),
    [
        ("mail", "451 4.7.1 Greylisted, come back later"),
        ("mail", "421 4.7.0 Too many connections"),
        ("data", "421 4.4.2 Timeout, closing the connection"),
        ("data", "452 4.3.1 Insufficient system storage"),
        ("rcpt", "421 4.7.0 Closing the connection"),
    ],
)
def test_a_4xx_at_any_stage_is_tried_again_and_the_email_leaves_once(db, serve, stage, answer):
    sink = serve(FaultySink(**{stage: first_try_of_each(answer)}))
    mail.queue("test_message", "reader@example.org", {})

    with time_machine.travel(timezone.now()) as traveller:
        assert deliver_due() == [False]
        row = OutboxEmail.objects.get()
        assert row.failed_at is None and row.next_attempt_at > timezone.now()
        assert row.last_error.startswith(answer)
        traveller.shift(mail.retry_delay(1))
        assert deliver_due() == [True]
        traveller.shift(mail.RETRY_MAX)
        assert deliver_due() == []

    assert len(sink.to("reader@example.org")) == 1


@pytest.mark.parametrize(
    ("stage", "answer", "reason"),
    [
        (
            "rcpt",
            "550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown",
            "550 5.1.1 <<email>>: Recipient address rejected: User unknown (RCPT TO)",
        ),
        ("data", "554 5.7.1 Message refused as spam", "554 5.7.1 Message refused as spam (DATA)"),
    ],
)
def test_a_5xx_gives_the_email_up_at_once_with_the_reason_and_no_address(
    db, serve, stage, answer, reason
):
    sink = serve(FaultySink(**{stage: always(answer)}))
    mail.queue("test_message", "nobody@example.org", {})

    assert deliver_due() == [False]
    row = OutboxEmail.objects.get()
    assert row.failed_at is not None and row.next_attempt_at is None and row.attempts == 1
    assert row.context is None  # kept for the next try only
    assert row.last_error == reason
    assert "nobody@example.org" not in row.last_error
    with time_machine.travel(timezone.now() + mail.RETRY_MAX):
        assert deliver_due() == []
    assert sink.messages == []


def test_staff_find_given_up_emails_in_the_outbox_with_their_reason(client, staff_user, serve):
    unknown = "550 5.1.1 User unknown"
    serve(FaultySink(rcpt=lambda address: unknown if address.startswith("nobody") else None))
    mail.queue("test_message", "nobody@example.org", {})
    mail.queue("test_message", "reader@example.org", {})
    assert deliver_due() == [False, True]

    log_in_with_two_factor(client, staff_user)
    page = client.get("/admin/allout/outboxemail/", {"state": "given_up"})
    assert page.status_code == 200
    content = page.content.decode()
    assert "given up" in content  # the filter
    assert "550 5.1.1 User unknown (RCPT TO)" in content
    assert "nobody@example.org" in content and "reader@example.org" not in content


class ConnectionCountingSink(FaultySink):
    """A faulty sink that keeps the SMTP session of every address it was given: one session
    per connection the sender opened."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.sessions: list[object] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if not any(known is session for known in self.sessions):
            self.sessions.append(session)
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)


def test_a_task_sends_its_rows_on_one_connection_and_a_refusal_costs_only_its_own_row(db, serve):
    refused = "reader2@example.org"
    sink = serve(
        ConnectionCountingSink(
            rcpt=lambda address: "451 4.3.0 Try again later" if address == refused else None
        )
    )
    recipients = [f"reader{n}@example.org" for n in range(6)]
    pks = [mail.queue("test_message", to, {}).pk for to in recipients]

    assert mail.deliver_many(pks) == 5
    assert [message["To"] for message in sink.messages] == [
        to for to in recipients if to != refused
    ]
    # The first connection until the refusal, the refused row once more on a fresh one
    # (refused again: its answer, not the old connection's), and a third for the rest.
    assert len(sink.sessions) == 3
    row = OutboxEmail.objects.get(to=refused)
    assert row.sent_at is None and row.next_attempt_at is not None and row.attempts == 1
    assert row.last_error == "451 4.3.0 Try again later (RCPT TO)"


class OneMessagePerConnectionSink(ConnectionCountingSink):
    """Refuses a second message on a connection, as servers that limit messages per
    connection do (with a 4xx or, some, a 5xx)."""

    def __init__(self, answer: str) -> None:
        super().__init__()
        self.answer = answer
        self.served: list[object] = []

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if any(known is session for known in self.served):
            return self.answer
        self.served.append(session)
        return await super().handle_MAIL(server, session, envelope, address, mail_options)


@pytest.mark.parametrize(
    "answer",
    ["421 4.7.0 Too many messages, closing", "554 5.7.0 Too many messages on this connection"],
)
def test_a_connection_refused_for_its_own_sake_costs_no_email_a_try(db, serve, answer):
    sink = serve(OneMessagePerConnectionSink(answer))
    recipients = [f"reader{n}@example.org" for n in range(4)]
    pks = [mail.queue("test_message", to, {}).pk for to in recipients]

    assert mail.deliver_many(pks) == 4  # each refused on the kept connection, sent on a new one
    assert sorted(message["To"] for message in sink.messages) == recipients
    assert len(sink.sessions) == 4
    rows = OutboxEmail.objects.all()
    assert all(row.is_sent() and row.attempts == 1 and row.last_error == "" for row in rows)


@pytest.mark.django_db(transaction=True)
def test_a_row_erased_while_its_task_sends_the_one_before_is_not_sent(serve):
    first, erased = (mail.queue("test_message", f"r{n}@example.org", {}) for n in range(2))

    class ErasingSink(FaultySink):
        """Deletes the second row while it takes the first message, as the data page's
        "delete my data" would between two sends of one task."""

        async def handle_DATA(self, server, session, envelope):
            await asyncio.to_thread(_erase, erased.pk)
            return await super().handle_DATA(server, session, envelope)

    sink = serve(ErasingSink())
    assert mail.deliver_many([first.pk, erased.pk]) == 1
    assert [message["To"] for message in sink.messages] == ["r0@example.org"]
    assert not OutboxEmail.objects.filter(pk=erased.pk).exists()


def _erase(pk: int) -> None:
    try:
        OutboxEmail.objects.filter(pk=pk).delete()
    finally:
        connection.close()  # this thread's own


def test_a_5xx_about_our_own_sender_is_tried_again_and_every_email_leaves_once_it_is_fixed(
    db, serve
):
    """ "530 authentication required" or "550 5.4.5 daily quota" at MAIL FROM is about our
    account, the same for every email: giving them all up would lose the whole day's mail."""
    quota = {"spent": True}
    sink = serve(
        FaultySink(mail=lambda address: "550 5.4.5 Daily sending quota" if quota["spent"] else None)
    )
    for n in range(3):
        mail.queue("test_message", f"reader{n}@example.org", {})
    with time_machine.travel(timezone.now()) as traveller:
        assert deliver_due() == [False] * 3
        rows = OutboxEmail.objects.all()
        assert all(row.failed_at is None and row.next_attempt_at for row in rows)
        assert {row.last_error for row in rows} == {"550 5.4.5 Daily sending quota (MAIL FROM)"}
        quota["spent"] = False
        traveller.shift(mail.retry_delay(1))
        assert deliver_due() == [True] * 3
    assert len(sink.messages) == 3


def test_an_address_smtplib_cannot_write_is_given_up_at_once_not_tried_for_ever(db, serve):
    """The forms take it (Django's validator accepts the invisible mark); smtplib cannot
    encode its domain. Left to raise, the row stayed claimed and came back every sweep."""
    sink = serve(FaultySink())
    row = mail.queue("test_message", "x@a\u200eb.com", {})
    assert mail.deliver(row.pk) is False
    row.refresh_from_db()
    assert row.failed_at is not None and row.claimed_at is None and row.next_attempt_at is None
    assert row.last_error == "The address cannot be written in an email (not valid for SMTP)"
    assert sink.messages == []


def test_after_a_timeout_on_a_kept_connection_the_email_is_not_sent_again_at_once(
    db, serve, settings
):
    """The server took the email but answered after our timeout: sending it again on a fresh
    connection at once would deliver it twice. It waits for the back-off instead."""
    slow = "reader1@example.org"

    class SlowSink(FaultySink):
        async def handle_DATA(self, server, session, envelope):
            answer = await super().handle_DATA(server, session, envelope)  # taken
            if envelope.rcpt_tos == [slow]:
                await asyncio.sleep(2)  # still scanning it: "250" after our EMAIL_TIMEOUT
            return answer

    sink = serve(SlowSink())
    settings.EMAIL_TIMEOUT = 1
    pks = [mail.queue("test_message", f"reader{n}@example.org", {}).pk for n in range(2)]
    assert mail.deliver_many(pks) == 1
    sink.wait_for(lambda messages: len(messages) == 2, timeout=5)
    time.sleep(0.5)  # room for a second copy, had one been sent
    assert [message["To"] for message in sink.messages] == ["reader0@example.org", slow]
    row = OutboxEmail.objects.get(to=slow)
    assert row.sent_at is None and row.next_attempt_at is not None and "timed out" in row.last_error


@pytest.mark.parametrize("change", ["blocked", "cancelled"])
def test_a_retry_after_a_refusal_checks_again_what_the_email_may_carry(db, serve, change):
    """The confirmation with a hidden point is greylisted; meanwhile the participant cancels,
    or staff block the address (an infiltrator). The retry sends nothing, and the row keeps
    neither its bodies nor its context."""
    sink = serve(FaultySink(rcpt=first_try_of_each("451 4.3.0 Try again later")))
    event = make_event(hide_exact_location=True, meeting_point="Behind the blue kiosk")
    attendance = make_attendance(event)
    rsvp.confirm(attendance)
    with time_machine.travel(timezone.now()) as traveller:
        assert deliver_due() == [False]
        row = OutboxEmail.objects.get(kind="attendance_confirmed")
        assert "Behind the blue kiosk" in row.body_text  # rendered at the first try
        if change == "blocked":
            BlockedAddress.objects.create(kind=BlockedAddress.Kind.ADDRESS, value=attendance.email)
        else:
            rsvp.cancel(attendance)
        traveller.shift(mail.retry_delay(1))
        assert deliver_due() == [False]
    row.refresh_from_db()
    assert row.failed_at is not None and row.sent_at is None
    assert row.body_text == row.body_html == "" and row.context is None
    assert sink.messages == []


@pytest.mark.django_db(transaction=True)
def test_an_email_taken_as_the_database_drops_the_connection_is_marked_sent_once(serve):
    """The server took the email; marking it sent meets a connection PostgreSQL dropped (a
    restart). Marked on a fresh one, it is not sent again when its claim goes stale."""
    row = mail.queue("test_message", "reader@example.org", {})
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()

    class DroppingSink(FaultySink):
        async def handle_DATA(self, server, session, envelope):
            answer = await super().handle_DATA(server, session, envelope)
            await asyncio.to_thread(_terminate, pid)  # before the worker hears "250"
            return answer

    sink = serve(DroppingSink())
    assert mail.deliver(row.pk) is True
    row.refresh_from_db()
    assert row.is_sent() and row.claimed_at is not None
    stale = timezone.now() + timedelta(seconds=settings.OUTBOX_CLAIM_SECONDS + 1)
    with time_machine.travel(stale, tick=False):
        assert mail.release_stale_claims(timezone.now()) == 0
        assert deliver_due() == []
    assert len(sink.messages) == 1


def _terminate(pid: int) -> None:
    try:
        with connections["default"].cursor() as cursor:  # this thread's own connection
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        connections["default"].close()


def test_a_connection_a_send_failed_on_is_dropped_without_waiting_for_quit(db, serve):
    """A server that refused and then stops answering must not hold the task for another
    EMAIL_TIMEOUT while it waits to say goodbye (past the soft time limit, the try would
    never be recorded)."""

    class SilentAfterRefusal(FaultySink):
        def __init__(self) -> None:
            super().__init__(rcpt=always("451 4.3.0 Try again later"))
            self.quits = 0

        async def handle_QUIT(self, server, session, envelope):
            self.quits += 1
            return "221 Bye"

    sink = serve(SilentAfterRefusal())
    row = mail.queue("test_message", "reader@example.org", {})
    assert mail.deliver(row.pk) is False
    row.refresh_from_db()
    assert row.next_attempt_at is not None and row.last_error.startswith("451")
    assert sink.quits == 0


def test_a_retry_takes_the_meeting_point_as_it_is_then(db, serve):
    """The organizer moves a hidden point they learned was compromised while the
    participant's confirmation waits out a greylisting server: the retry carries the new one."""
    sink = serve(FaultySink(rcpt=first_try_of_each("451 4.3.0 Try again later")))
    event = make_event(hide_exact_location=True, meeting_point="Behind the blue kiosk")
    rsvp.confirm(make_attendance(event))
    with time_machine.travel(timezone.now()) as traveller:
        assert deliver_due() == [False]
        Event.objects.filter(pk=event.pk).update(meeting_point="Under the old bridge")
        traveller.shift(mail.retry_delay(1))
        assert deliver_due() == [True]
    (message,) = sink.messages
    text = message.get_body(("plain",)).get_content()
    assert "Under the old bridge" in text and "Behind the blue kiosk" not in text


def test_a_mistake_in_our_own_mail_settings_gives_no_email_up(db, serve, settings):
    """A DEFAULT_FROM_EMAIL with a stray newline (from a secrets file) fails every send with
    the same ValueError an unwritable address gives: ours to fix, so the rows wait for it."""
    sink = serve(FaultySink())
    settings.DEFAULT_FROM_EMAIL = "noreply@example.org\n"
    row = mail.queue("test_message", "reader@example.org", {})
    assert mail.deliver(row.pk) is False
    row.refresh_from_db()
    assert row.failed_at is None and row.next_attempt_at is not None
    assert "cannot be written" not in row.last_error
    settings.DEFAULT_FROM_EMAIL = "noreply@example.org"
    with time_machine.travel(row.next_attempt_at + timedelta(seconds=1), tick=False):
        assert deliver_due() == [True]
    assert len(sink.messages) == 1
