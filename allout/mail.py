"""The one path every email takes: render, store in the outbox, send from a worker.

`queue()` writes an OutboxEmail row in the caller's transaction, and nothing else: the
request never talks to the broker. A trigger on the outbox's INSERT (migration 0009) NOTIFYs
when that transaction commits, and the relay (`relay()`, run by `manage.py outbox_relay`)
publishes the row's `send_outbox_email` task at once. If the relay or the broker is down,
the row waits for `requeue_unsent()`, which Celery beat runs every OUTBOX_SWEEP_SECONDS.
`deliver_many()` sends each row at most once, however many times its task runs and however
many workers race for it; a worker that dies mid-send leaves a claim the next sweep frees once
it is stale.

`queue()` writes an email in the language its caller names, the recipient's (stored with
the signature, the RSVP or the event when they were made): never in whichever language
happens to be active, so a reminder a task queues reads like a confirmation a page queued.

Both `queue()` and `queue_rendered()` spend the recipient's mail budget first (see
BUDGETED_KINDS): an email anyone could trigger by typing an address into a form is dropped,
unseen by whoever typed it, once that address has had its share for the day.

A row may also be a decision rather than an email (`deferred()`): a repeated signature or
sign-up is stored, in the request, as the worker's work to do (what the repeat changes, and
whether it emails anyone), so that a repeat costs the request exactly what a new one does.

The Celery tasks live at the end of this module, beside the functions they run, so the
outbox and its tasks import nothing from each other.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from datetime import datetime, timedelta
from smtplib import (
    SMTPAuthenticationError,
    SMTPConnectError,
    SMTPDataError,
    SMTPException,
    SMTPHeloError,
    SMTPRecipientsRefused,
    SMTPResponseException,
    SMTPSenderRefused,
)
from typing import Any

import psycopg
from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import sanitize_address
from django.db import DatabaseError, connection, connections, router, transaction
from django.db.models import F, Model, Q
from django.db.models.constants import OnConflict
from django.template.loader import render_to_string
from django.utils import timezone, translation
from kombu.exceptions import ChannelError

from allout import email_context
from allout.addresses import canonical_email
from allout.blocking import is_blocked
from allout.circuit import CircuitOpen, breaker_for
from allout.database import is_connection_lost, wait_for_database
from allout.i18n import current_language
from allout.links import EmailLink
from allout.logs import redact
from allout.models import OutboxEmail
from allout.privacy import data_request_url
from allout.ratelimit import hashed
from allout.rows import insert_new, insert_parts, insert_sql

log = logging.getLogger(__name__)

# The emails anyone can make the platform send by typing someone's address into a form:
# sign-up verification (allauth's email_confirmation*, account_already_exists), password
# reset (password_reset_key, unknown_account, and the code variants), the petition's and the
# RSVP's confirmation requests and the "you already signed" notice. One recipient receives at
# most MAIL_BUDGET_PER_DAY of them in 24 hours. Every other kind is sent because the person
# asked for it by confirming (reminders, organizers' messages, attendance confirmed, event
# changed or cancelled) or because it goes to staff or organizers, and is never counted.
# A new kind a stranger can trigger belongs here (the contact relay's receipt, say).
BUDGETED_KINDS = frozenset(
    {
        "email_confirmation",
        "email_confirmation_signup",
        "email_confirm",
        "account_already_exists",
        "password_reset_key",
        "password_reset_code",
        "password_reset",
        "unknown_account",
        "login_code",
        "attendance_confirm",
        "petition_confirm",
        "petition_already_signed",
        "contact_receipt",  # to whatever address a stranger types into the contact relay
        "cohost_invitation",  # to whatever address an organizer types (events' co-hosts)
        "alert_confirm",  # a protest alert's confirmation request (events.services.alerts)
    }
)
MAIL_BUDGET_WINDOW = timedelta(hours=24)
# What the outbox's INSERT trigger NOTIFYs (migration 0009) and the relay LISTENs to.
RELAY_CHANNEL = "outbox_email"


def within_budget(kind: str, to: str) -> bool:
    """Whether `to` may be sent one more `kind` email now (always, for unbudgeted kinds).

    Counted from the outbox itself rather than a Redis counter: it holds exactly the emails
    that were queued (a rolled-back request spends nothing), it does not fail open when
    Redis is down, and it keeps no new record keyed on the address. Rows live for days
    (OUTBOX_RETENTION_DAYS is at least one), longer than the window. Call it inside the
    transaction that queues the row: the advisory lock holds concurrent senders to one
    recipient in line until it commits, so racing requests cannot overspend.
    """
    if kind not in BUDGETED_KINDS:
        return True
    with connection.cursor() as cursor:
        # The lock, then the count, in one round trip (the function, migration 0009, says
        # why it cannot be one plain statement).
        cursor.execute(f"SELECT {_SPENT}", _budget_arguments(to))
        (spent,) = cursor.fetchone()
    if spent < settings.MAIL_BUDGET_PER_DAY:
        return True
    _log_budget_spent(kind, to)
    return False


# The budget's lock and count (migration 0009), for SELECT and for a WHERE clause.
_SPENT = "outbox_budget_spent(%s, %s, %s, %s)"


def _budget_arguments(to: str) -> tuple[int, str, list[str], datetime]:
    canonical = canonical_email(to)
    # 60 bits of the keyed hash: a collision only makes two recipients wait in turn.
    lock = int(hashed(canonical)[:15], 16)
    return lock, canonical, sorted(BUDGETED_KINDS), timezone.now() - MAIL_BUDGET_WINDOW


def _log_budget_spent(kind: str, to: str) -> None:
    # The keyed hash lets staff see one recipient being bombed without logging the address.
    key = hashed(canonical_email(to))
    log.warning("Mail budget spent: %s email to recipient %s not sent", kind, key)


def queue(
    template: str,
    to: str,
    context: dict,
    *,
    language: str | None = None,
    unsubscribe_url: str | EmailLink | None = None,
    one_click: bool = False,
    reply_to: str = "",
    blank_after_send: bool = False,
) -> OutboxEmail | None:
    """Render `template` for `to` and store it; the relay publishes it once the transaction
    commits.

    `template` names three templates under templates/emails/: `<name>_subject.txt`,
    `<name>.txt` and `<name>.html`. Every email carries a link to unsubscribe or cancel
    (`unsubscribe_url`, or the recipient's data page when the message has no subscription).
    `one_click` says that a POST to `unsubscribe_url` unsubscribes, with no CSRF token and
    nothing else asked (RFC 8058: the mail client's own "unsubscribe" button, which large
    mailbox providers expect of every bulk sender); never for a link that deletes something
    the recipient may want kept (a signature), which a mail client must not do in one click.
    `blank_after_send` is for someone else's words (the contact relay): the row keeps no
    body and no Reply-To once it is sent.

    Subject and bodies are rendered in `language` (LANGUAGE_CODE when None: staff's
    emails), and so are the dates in them and the links built here. Build the page links
    the context carries under the same `translation.override()`: a link made under a
    language carries its prefix and opens the page in it.

    Returns None, storing nothing, when the recipient's mail budget is spent. Inside
    `held()`, returns the row unsaved and keeps it there, checking no budget.
    """
    row = _build(
        template,
        to,
        context,
        language=language or settings.LANGUAGE_CODE,
        unsubscribe_url=unsubscribe_url,
        one_click=one_click,
        reply_to=reply_to,
        blank_after_send=blank_after_send,
    )
    held_rows = _held.get()
    if held_rows is not None:
        held_rows.append(row)
        return row
    if template not in BUDGETED_KINDS:
        row.save()
        return row
    # No savepoint (two round trips on every signature): within the caller's transaction
    # if there is one, which holds the budget's lock until it commits.
    with transaction.atomic(savepoint=False):
        if not within_budget(template, to):
            return None
        row.save()
    return row


def _build(
    template: str,
    to: str,
    context: dict,
    *,
    language: str,
    unsubscribe_url: str | EmailLink | None,
    one_click: bool,
    reply_to: str,
    blank_after_send: bool,
) -> OutboxEmail:
    """The row, unsaved, with its subject (the data page and the admin list show it) and
    the context its bodies are rendered from by the worker (render()): the bodies'
    templates are most of an email's cost, and the request need not pay it."""
    with translation.override(language):
        subject = render_to_string(
            f"emails/{template}_subject.txt", {**_site_context(to), **context}
        )
        one_click = one_click and bool(unsubscribe_url)  # the data page asks before it acts
        stored = email_context.dump({**context, UNSUBSCRIBE: unsubscribe_url, ONE_CLICK: one_click})
    return OutboxEmail(
        kind=template,
        to=to,
        to_canonical=canonical_email(to),
        reply_to=reply_to,
        subject=" ".join(subject.split())[:300],
        context=stored,
        blank_after_send=blank_after_send,
        language=language,
    )


# Set inside held(): the rows queue() built.
_held: ContextVar[list[OutboxEmail] | None] = ContextVar("allout_mail_held", default=None)


@contextmanager
def held() -> Iterator[list[OutboxEmail]]:
    """Inside the block, queue() builds its rows and keeps them in the list given, storing
    nothing and checking no budget: for a caller that stores a row with the email about
    it in one statement (insert_new_with_email)."""
    rows: list[OutboxEmail] = []
    token = _held.set(rows)
    try:
        yield rows
    finally:
        _held.reset(token)


def insert_new_with_email(
    instance: Model, held: list[OutboxEmail], *, otherwise: OutboxEmail | None = None
) -> tuple[bool, bool]:
    """INSERT `instance` ... ON CONFLICT DO NOTHING and, if it was new, `email` with it
    (within the recipient's mail budget, for a budgeted kind), in one statement: one round
    trip, all or nothing (outside a transaction it is its own, with no BEGIN or COMMIT;
    inside one, the budget's lock is held until that commits, as queue()'s is). Returns
    whether `instance` was new and whether `email` was stored.

    What a transaction around insert_new() and queue() does in five round trips. `instance`
    has its pk already (allout.rows.next_id()): the email's links and context carry it.
    `held` is what held() kept while the email was built: one row, or none when the code
    that builds it chose to send none (then `instance` is stored alone).

    `otherwise` (a deferred() row) is stored instead when `instance` was not new, in the
    same statement: a repeat costs the request what a new row costs, and the worker decides
    what the repeat changes and sends.
    """
    if len(held) > 1:
        raise ValueError(f"one email to store with the row, not {len(held)}")
    if not held:
        return insert_new(instance), False
    (email,) = held
    row_sql, row_parameters = insert_sql(instance, on_conflict=OnConflict.IGNORE)
    head, values, returning, email_parameters = insert_parts(email)
    parameters: list[Any] = [*row_parameters, *email_parameters]
    condition = "TRUE"
    if email.kind in BUDGETED_KINDS:
        condition = f"{_SPENT} < %s"
        parameters += [*_budget_arguments(email.to), settings.MAIL_BUDGET_PER_DAY]
    # Django's SQL for the INSERTs, and ours; every value is a parameter.
    statement = (
        f"WITH new_row AS ({row_sql}), "  # noqa: S608
        f"new_email AS ({head} SELECT {values} FROM new_row WHERE {condition} {returning})"
    )
    select = "SELECT (SELECT * FROM new_row), (SELECT * FROM new_email)"
    if otherwise is not None:
        if otherwise.kind not in _DEFERRED:
            raise ValueError(f"not a deferred kind: {otherwise.kind}")
        head, values, returning, otherwise_parameters = insert_parts(otherwise)
        statement += (
            f", repeat AS ({head} SELECT {values} "  # noqa: S608
            f"WHERE NOT EXISTS (SELECT FROM new_row) {returning})"
        )
        parameters += otherwise_parameters
        select += ", (SELECT * FROM repeat)"
    using = router.db_for_write(type(instance), instance=instance)
    with connections[using].cursor() as cursor:
        cursor.execute(f"{statement} {select}", parameters)
        row_pk, email_pk, *_repeat = cursor.fetchone()
    if row_pk is None:
        return False, False
    instance._state.adding, instance._state.db = False, using
    if email_pk is None:
        _log_budget_spent(email.kind, email.to)
        return True, False
    email.pk = email_pk
    email._state.adding, email._state.db = False, using
    return True, True


# What the worker does with a deferred row, by its kind (deferred() registers them).
_DEFERRED: dict[str, Callable[[dict], None]] = {}


def deferred(kind: str) -> Callable[[Callable[[dict], None]], Callable[[dict], None]]:
    """Register `decide(context)` for the rows of `kind`: decisions a request leaves to the
    worker, stored in the outbox as an email is (so the relay, the sweeper, the claims and
    the address's erasure all apply), and never sent themselves. The worker runs
    `decide(context)` and deletes the row in one transaction; whatever emails `decide`
    queues go out as any other, within their recipient's budget.

    For a repeat of a form (a signature, a sign-up) whose work must not show in the
    request's time: whether an address had signed must not be told by how long the
    answer took (SPEC)."""

    def register(decide: Callable[[dict], None]) -> Callable[[dict], None]:
        _DEFERRED[kind] = decide
        return decide

    return register


def deferred_kinds() -> frozenset[str]:
    """The kinds of the rows that are decisions, not emails (the data page leaves them out)."""
    return frozenset(_DEFERRED)


def deferred_row(kind: str, to: str, context: dict, *, language: str) -> OutboxEmail:
    """A deferred() row for `to`, unsaved (insert_new_with_email's `otherwise`)."""
    return OutboxEmail(
        kind=kind,
        to=to,
        to_canonical=canonical_email(to),
        subject="",
        context=email_context.dump(context),
        language=language,
    )


def _decide(row: OutboxEmail) -> None:
    """Run a deferred row's decision and delete the row, all or nothing."""
    with transaction.atomic(), translation.override(row.language):
        try:
            context = email_context.load(row.context)
        except email_context.Gone as gone:
            log.info("Deferred outbox row %s dropped: %s was deleted", row.pk, gone)
        else:
            _DEFERRED[row.kind](context)
        OutboxEmail.objects.filter(pk=row.pk).delete()


# The context's key for the link that stops what the email is about (a sign-up's cancel
# link, a signature's delete link); without one, the recipient's data page.
UNSUBSCRIBE = "unsubscribe_url"
# Whether a POST to it unsubscribes at once (queue()'s one_click).
ONE_CLICK = "unsubscribe_one_click"


def _site_context(to: str) -> dict:
    return {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL, "recipient": to}


# What the worker asks of a kind of email just before it renders one: why it must not go
# now that the rows it is about changed (its sign-up cancelled, its event taken down), or ""
# to send it. Apps register theirs (check_before_sending) when Django starts.
_CHECKS: dict[str, Callable[[dict], str]] = {}


def check_before_sending(*kinds: str) -> Callable[[Callable[[dict], str]], Callable[[dict], str]]:
    """Register `check(context) -> reason` for `kinds`: an email is rendered from the rows as
    they are when it leaves, and must not go to someone it no longer concerns."""

    def register(check: Callable[[dict], str]) -> Callable[[dict], str]:
        for kind in kinds:
            _CHECKS[kind] = check
        return check

    return register


def render(row: OutboxEmail) -> bool:
    """Check a row just before each try of its send and render its bodies, from the rows
    as they are then; the worker calls it before every send. Returns False, giving the row
    up, when what it was about is gone (erased by its owner before it was sent: nothing is
    left to tell anyone), when staff blocked its address since, or when its kind's check
    (check_before_sending) says it no longer applies.

    Every try is checked and rendered again, not only the first: a retry after a refused
    send (a greylisting server, an outage) must not take a meeting point to a participant
    who cancelled or to an address staff blocked meanwhile, nor the point the organizer
    moved away from. So a row keeps its context until it is sent or given up. A row stored
    rendered (queue_rendered, or rendered by a worker of before this rule) has no context:
    only its address is checked.

    The bodies are rendered in the row's language, and the links built here (the data page)
    under it, and stored for the admin and the data page (not over a row sent meanwhile).
    """
    if row.context is None:
        if is_blocked(row.to):
            _give_up(row, BLOCKED_SINCE)
            return False
        return True
    try:
        with translation.override(row.language):
            context = email_context.load(row.context)
            reason = _not_due(row, context)
            if reason:
                _give_up(row, reason)
                return False
            data_url = data_request_url(row.to)
            context = {
                **_site_context(row.to),
                "data_url": data_url,
                **context,
                UNSUBSCRIBE: context.get(UNSUBSCRIBE) or data_url,
            }
            body_text = render_to_string(f"emails/{row.kind}.txt", context)
            body_html = render_to_string(f"emails/{row.kind}.html", context)
    except email_context.Gone as gone:
        log.info("Outbox email %s not sent: %s was deleted before it was sent", row.pk, gone)
        _give_up(row, "Not sent: what it was about was deleted before it was sent")
        return False
    row.body_text, row.body_html = body_text, body_html
    row.headers = {"List-Unsubscribe": f"<{context[UNSUBSCRIBE]}>"}
    if context.get(ONE_CLICK):
        row.headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    OutboxEmail.objects.filter(pk=row.pk, sent_at__isnull=True).update(
        body_text=body_text, body_html=body_html, headers=row.headers
    )
    return True


BLOCKED_SINCE = "Not sent: staff blocked the address after the email was written"


def _not_due(row: OutboxEmail, context: dict) -> str:
    if is_blocked(row.to):
        return BLOCKED_SINCE
    check = _CHECKS.get(row.kind)
    return check(context) if check else ""


def _give_up(row: OutboxEmail, reason: str) -> None:
    """Give a row up before it is sent, keeping nothing of its context or bodies (which
    may hold the very meeting point it must not take)."""
    OutboxEmail.objects.filter(pk=row.pk, sent_at__isnull=True).update(
        context=None,
        body_text="",
        body_html="",
        failed_at=timezone.now(),
        claimed_at=None,
        last_error=reason,
    )


def decide_waiting() -> int:
    """Take every deferred() decision still waiting, as the worker would (tests, and a
    shell); returns how many were taken."""
    waiting = OutboxEmail.objects.filter(kind__in=_DEFERRED, failed_at__isnull=True)
    rows = list(waiting.order_by("pk"))
    for row in rows:
        _decide(row)
    return len(rows)


def render_waiting() -> int:
    """Render every row still waiting for its bodies (tests, and a shell after a deploy
    that changed a template); returns how many were rendered."""
    decide_waiting()  # first: the decisions may queue emails
    rendered = 0
    waiting = OutboxEmail.objects.filter(context__isnull=False, body_text="").exclude(
        kind__in=_DEFERRED
    )
    for row in waiting.order_by("pk").iterator():
        rendered += render(row)
    return rendered


def queue_rendered(kind: str, message: EmailMultiAlternatives) -> list[OutboxEmail]:
    """Store a message rendered elsewhere (django-allauth's account emails), for each
    recipient whose mail budget allows it.

    allauth renders them in the active language, the page's where someone signed up or
    asked for a reset: the language recorded with the rows."""
    language = current_language()
    html = next((str(body) for body, mime in message.alternatives if mime == "text/html"), "")
    rows = []
    for to in message.to:
        with transaction.atomic(savepoint=False):  # as in queue()
            if not within_budget(kind, to):
                continue
            row = OutboxEmail.objects.create(
                kind=kind,
                to=to,
                subject=" ".join(message.subject.split())[:300],
                body_text=str(message.body),
                body_html=html,
                headers={"List-Unsubscribe": f"<{data_request_url(to)}>"},
                language=language,
            )
        rows.append(row)
    return rows


def publish(*pks: int, queue: str | None = None) -> list[int]:
    """Hand rows to the workers; returns the pks published. If the broker is down, the
    rest wait for the sweeper.

    Through the broker's circuit breaker (allout.circuit): a broker that failed a moment
    ago is not tried again, so a request whose cache calls already timed out does not wait
    for the publish as well, and a sweep stops at the first failure. The published rows are
    marked in one UPDATE, so the sweeper leaves them alone while their tasks wait in the queue.
    Each task carries up to OUTBOX_TASK_ROWS rows (tasks_of()), to `queue` if given (else
    the default one).
    """
    published: list[int] = []
    if not pks:
        return published
    started = timezone.now()
    breaker = breaker_for(settings.CELERY_BROKER_URL)
    try:
        # One producer (and its broker connection) for the whole batch, not one per task.
        with breaker.guard((Exception,)), send_outbox_email.app.producer_or_acquire() as producer:
            for task_rows in tasks_of(pks, settings.OUTBOX_TASK_ROWS):
                # Whatever apply_async raises is the broker's failure (kombu wraps redis's).
                send_outbox_email.apply_async(
                    task_rows, retry=False, producer=producer, queue=queue
                )
                published += task_rows
    except CircuitOpen:
        log.info("Broker skipped after a recent failure; the sweeper will publish the rest")
    except Exception:
        log.warning(
            "Could not publish outbox emails after %s of %s; the sweeper will retry",
            len(published),
            len(pks),
            exc_info=True,
        )
    if published:
        try:
            # Not over a failure a quick worker recorded meanwhile (its back-off, its row
            # unpublished for the sweep): marked, it would wait OUTBOX_REPUBLISH_SECONDS.
            OutboxEmail.objects.filter(pk__in=published).exclude(
                next_attempt_at__gt=started
            ).update(published_at=timezone.now())
        except DatabaseError:
            # Runs after the caller's commit, where an error would fail a request whose
            # change is already saved; unmarked rows are only published again (harmless).
            log.warning("Could not mark %s outbox emails published", len(published), exc_info=True)
    return published


def tasks_of(pks: tuple[int, ...], most: int) -> list[tuple[int, ...]]:
    """`pks` in as few tasks of at most `most` rows as can be, in order, their sizes one
    apart at most: 23 rows as 8, 8 and 7, for three workers at once rather than 10, 10, 3."""
    count = math.ceil(len(pks) / most)
    if not count:
        return []
    size, larger = divmod(len(pks), count)
    tasks, start = [], 0
    for number in range(count):
        end = start + size + (number < larger)
        tasks.append(pks[start:end])
        start = end
    return tasks


# A failed send waits 1, 2, 4 ... minutes before its next try, at most an hour; after
# MAX_ATTEMPTS (about a day of outage) the row is given up on and purged with the sent ones.
# A 5xx refusal of the email itself gives it up at once (classify_failure).
RETRY_BASE = timedelta(minutes=1)
RETRY_MAX = timedelta(hours=1)
MAX_ATTEMPTS = 30


def retry_delay(attempts: int) -> timedelta:
    return min(RETRY_BASE * 2 ** max(attempts - 1, 0), RETRY_MAX)


def deliver(pk: int) -> bool:
    """Send one row unless it was sent, is being sent, or is waiting out a back-off; whether
    this call sent it (deliver_many() for one row)."""
    return deliver_many([pk]) == 1


def deliver_many(
    pks: Sequence[int], *, seconds: float | None = None, queue: str | None = None
) -> int:
    """Send the rows of `pks` that are due and that no other worker is sending, in order, on
    one SMTP connection; returns how many were sent.

    A failure is recorded on the row (next try, last error) instead of raised: the sweeper
    is the one retrier, so a mail server that is down for an hour costs one try per row per
    back-off step, not a storm of task retries.

    One UPDATE claims them all (_claim); a claim lasts OUTBOX_CLAIM_SECONDS, longer than
    the send task's time limits (see settings), so no one takes a row over while this call
    can still send it, and the rows of a worker that died are freed together once stale.
    No row is begun after `seconds` (OUTBOX_TASK_SECONDS; the first always is): the rest
    are released and published again to `queue`, for another worker. Called outside the task (a
    shell), nothing bounds the sends: keep such calls to rows nobody else sends.
    """
    if seconds is None:
        seconds = settings.OUTBOX_TASK_SECONDS
    started = time.monotonic()
    now = timezone.now()
    claimed = _claim(pks, now)
    sent = 0
    smtp: BaseEmailBackend | None = None
    not_begun = claimed  # what an error hands back: never the row being sent
    try:
        for index, pk in enumerate(claimed):
            if index and time.monotonic() - started >= seconds:
                _release(not_begun, now, queue)
                not_begun = []
                break
            # Read just before its send, not with the claim: a row erased meanwhile ("delete
            # my data", a relayed message's sender) is not sent.
            row = OutboxEmail.objects.filter(pk=pk).first()
            if row is None:
                continue
            not_begun = claimed[index + 1 :]
            done, smtp = _send_claimed(row, smtp)
            sent += done
    except BaseException:
        # The database failed, or a time limit came outside a send: the rows not begun go
        # back now rather than once their claims are stale, if the database lets us. The
        # row being sent keeps its claim: the server may have it.
        with suppress(Exception):
            _release(not_begun, now, queue)
        raise
    finally:
        if smtp is not None:
            # The server has every email it accepted: its answer to QUIT changes nothing.
            with suppress(*_SEND_ERRORS):
                smtp.close()
    return sent


def _claim(pks: Sequence[int], now: datetime) -> list[int]:
    """Claim the rows of `pks` that are due() and not claimed by a live worker, in one
    UPDATE; returns their pks, in the order of `pks`.

    The conditions are the UPDATE's own, so PostgreSQL re-checks them against a claim that
    a concurrent worker commits first: exactly one worker wins each row.
    """
    stale = now - timedelta(seconds=settings.OUTBOX_CLAIM_SECONDS)
    with connection.cursor() as cursor:
        cursor.execute(_CLAIM, {"pks": list(pks), "now": now, "stale": stale})
        won = {pk for (pk,) in cursor.fetchall()}
    return [pk for pk in dict.fromkeys(pks) if pk in won]


# OutboxEmail.objects.due(now), unclaimed or claimed before `stale`.
_CLAIM = f"""
UPDATE {OutboxEmail._meta.db_table} SET claimed_at = %(now)s, attempts = attempts + 1
WHERE id = ANY(%(pks)s) AND sent_at IS NULL AND failed_at IS NULL
    AND (next_attempt_at IS NULL OR next_attempt_at <= %(now)s)
    AND (claimed_at IS NULL OR claimed_at < %(stale)s)
RETURNING id
"""  # noqa: S608  # no value in it: every one is a parameter


def _release(pks: list[int], claimed_at: datetime, queue: str | None) -> None:
    """Give back rows claimed and not begun (the task's time is up): unclaimed, the try not
    counted, and published again at once to `queue` (the routing key the task came with:
    its queue's name, with the default exchange). Still marked published meanwhile, so the
    relay leaves them to this; those the broker does not take are marked unpublished, for
    the relay or the sweeper."""
    if not pks:
        return
    OutboxEmail.objects.filter(pk__in=pks, claimed_at=claimed_at, sent_at__isnull=True).update(
        claimed_at=None, attempts=F("attempts") - 1
    )
    published = set(publish(*pks, queue=queue))
    unpublished = [pk for pk in pks if pk not in published]
    if unpublished:
        OutboxEmail.objects.filter(pk__in=unpublished, claimed_at__isnull=True).update(
            published_at=None
        )


def _send_claimed(
    row: OutboxEmail, smtp: BaseEmailBackend | None
) -> tuple[bool, BaseEmailBackend | None]:
    """Decide, render and send one claimed row: whether it was sent, and the SMTP
    connection for the next row (None once one failed: the next opens a fresh one)."""
    if row.kind in _DEFERRED:
        try:
            _decide(row)
        except DatabaseError:
            raise  # as below
        except Exception as exc:
            log.exception("Deciding deferred outbox row %s failed", row.pk)
            _record_failure(row, exc)
        return False, smtp
    try:
        if not render(row):
            return False, smtp
    except DatabaseError:
        raise  # the database, not the email: the claim goes stale and the sweep retries
    except Exception as exc:
        # A template that fails (a bug a deploy fixes): retried with the back-off, and the
        # reason is in the admin for staff.
        log.exception("Rendering outbox email %s failed", row.pk)
        _record_failure(row, exc)
        return False, smtp
    message = EmailMultiAlternatives(
        subject=row.subject,
        body=row.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[row.to],
        reply_to=[row.reply_to] if row.reply_to else None,
        headers=row.headers,
    )
    if row.body_html:
        message.attach_alternative(row.body_html, "text/html")
    reused = smtp is not None
    try:
        smtp = _sent_on(smtp, message)
    except _SEND_ERRORS as exc:
        # After a timeout nobody knows whether the server took the email (it may have been
        # scanning it before its "250"): no second try at once, only after the back-off.
        if not reused or isinstance(exc, SoftTimeLimitExceeded) or _timed_out(exc):
            _record_failure(row, exc)
            return False, None
        # The connection kept from the row before may have failed for its own sake (the
        # server closed it, or takes so many messages per connection): once more on a
        # fresh one, whose answer is about this email.
        try:
            smtp = _sent_on(None, message)
        except _SEND_ERRORS as exc:
            _record_failure(row, exc)
            return False, None
        except Exception as exc:  # as below
            _failed_unexpectedly(row, exc)
            return False, None
    except Exception as exc:
        _failed_unexpectedly(row, exc)
        return False, None
    # Accepted risk: if the process dies between the server's "250 accepted" and this
    # update, the row is sent again once its claim goes stale. SMTP offers no way to make
    # the two one step; marking it at once keeps the gap to one UPDATE.
    _mark_sent(row)
    return True, smtp


# What a send may raise: the server's answers, the network, the task's soft time limit.
_SEND_ERRORS = (SMTPException, OSError, SoftTimeLimitExceeded)


class Unsendable(Exception):
    """The message cannot be written for SMTP: its address (smtplib writes it in ASCII,
    its domain in IDNA), though the forms took it. Final."""


def _failed_unexpectedly(row: OutboxEmail, exc: Exception) -> None:
    """Neither the server nor the network failed the send: this email's address, or our
    own settings (a DEFAULT_FROM_EMAIL with a stray newline, TLS and SSL both on) or a bug.
    Recorded like any failure, so it is given up rather than left claimed and tried for
    ever: at once for an address that cannot be written, after MAX_ATTEMPTS otherwise (ours
    to fix meanwhile, and every row then leaves)."""
    log.exception("Sending outbox email %s failed", row.pk)
    _record_failure(row, Unsendable() if _unwritable(row) else exc)


def _unwritable(row: OutboxEmail) -> bool:
    """Whether smtplib cannot write the row's own addresses (To, Reply-To)."""
    try:
        for address in filter(None, (row.to, row.reply_to)):
            sanitize_address(address, settings.DEFAULT_CHARSET)
    except ValueError:
        return True
    return False


def _timed_out(exc: BaseException) -> bool:
    """Whether the server did not answer in time (smtplib reports a timeout waiting for a
    reply as SMTPServerDisconnected, raised while handling it)."""
    return isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError)


def _sent_on(smtp: BaseEmailBackend | None, message: EmailMultiAlternatives) -> BaseEmailBackend:
    """Send `message` on `smtp` (a new connection if None) and return the connection; on a
    failure, close it and raise."""
    if smtp is None:
        smtp = get_connection()
    try:
        smtp.open()  # nothing to do on a connection already open
        smtp.send_messages([message])
    except Exception:
        _drop(smtp)
        raise
    return smtp


def _drop(smtp: BaseEmailBackend) -> None:
    """Close a connection a send failed on at once, without the QUIT that close() would
    wait up to EMAIL_TIMEOUT for: a server that stopped answering would hold the task past
    its time limits (and a soft limit inside close() would be lost)."""
    connection = getattr(smtp, "connection", None)  # the SMTP backend's smtplib.SMTP
    if connection is not None:
        with suppress(OSError):
            connection.close()
        smtp.connection = None  # type: ignore[attr-defined]


def _mark_sent(row: OutboxEmail) -> None:
    """Mark a row the server took as sent. If the database dropped the connection meanwhile
    (a restart), once more on a fresh one as soon as it takes connections again (for up to
    DB_RETRY_WAIT s): left unmarked, the row would be sent again when its claim went stale."""
    sent: dict = {"sent_at": timezone.now(), "last_error": "", "context": None}
    if row.blank_after_send:
        sent |= {"body_text": "", "body_html": "", "reply_to": ""}
    mark = OutboxEmail.objects.filter(pk=row.pk)
    try:
        mark.update(**sent)
    except DatabaseError as exc:
        database = connections[mark.db]
        if not is_connection_lost(exc) or database.in_atomic_block:
            raise
        database.close()
        if not wait_for_database(database, settings.DB_RETRY_WAIT):
            raise
        log.warning("Outbox email %s marked sent on a fresh connection", row.pk)
        mark.update(**sent)


def _record_failure(row: OutboxEmail, exc: Exception) -> None:
    now = timezone.now()
    reason, permanent = classify_failure(exc)
    given_up = permanent or row.attempts >= MAX_ATTEMPTS
    if given_up and not permanent:
        reason = f"Given up after {row.attempts} tries; the last: {reason}"
    log.warning("Sending outbox email %s failed (try %s): %s", row.pk, row.attempts, reason)
    OutboxEmail.objects.filter(pk=row.pk).update(
        claimed_at=None,
        # Its task was consumed: the sweeper publishes it again once the back-off is over.
        published_at=None,
        last_error=reason[:1000],
        next_attempt_at=None if given_up else now + retry_delay(row.attempts),
        failed_at=now if given_up else None,
        **(_given_up_keeps_nothing(row) if given_up else {}),
    )


def _given_up_keeps_nothing(row: OutboxEmail) -> dict:
    """What a row given up drops: its context (kept for the next try's checks alone) and,
    for someone else's words (blank_after_send), its bodies and Reply-To, as a sent one."""
    dropped: dict = {"context": None}
    if row.blank_after_send:
        dropped |= {"body_text": "", "body_html": "", "reply_to": ""}
    return dropped


# The SMTP command whose answer an exception carries, for the reason staff read.
_STAGES: tuple[tuple[type[SMTPException], str], ...] = (
    (SMTPConnectError, "connect"),
    (SMTPHeloError, "HELO"),
    (SMTPAuthenticationError, "AUTH"),
    (SMTPSenderRefused, "MAIL FROM"),
    (SMTPDataError, "DATA"),
)
# Answers about our own setup or account (the server's greeting, HELO, STARTTLS, our login,
# our sender at MAIL FROM: "530 authentication required", "550 5.4.5 daily quota"), not
# about this email: a 5xx there would fail every row alike, so it is retried and the rows
# leave once the settings are fixed or the quota renews, or are given up after
# MAX_ATTEMPTS like any outage.
_SETUP_ERRORS = (SMTPConnectError, SMTPHeloError, SMTPAuthenticationError, SMTPSenderRefused)


def classify_failure(exc: Exception) -> tuple[str, bool]:
    """The reason a send failed, as staff may read it (no address), and whether it is final.

    Only a 5xx answer to RCPT TO or DATA is final, and an address that cannot be written
    in an email: a 4xx (greylisting, a full queue, "421 try later") at any stage, a 5xx
    about our own setup (_SETUP_ERRORS), a dropped connection, a timeout or an error of
    ours is retried with the back-off.
    """
    if isinstance(exc, SMTPRecipientsRefused):
        answers = list(exc.recipients.values())
        codes = [code for code, _message in answers]
        code, message = answers[0] if answers else (-1, b"")
        reason = f"{code} {_text(message)} (RCPT TO)"
        return redact(reason), bool(codes) and all(500 <= c < 600 for c in codes)
    if isinstance(exc, SMTPResponseException):
        stage = next((name for kind, name in _STAGES if isinstance(exc, kind)), "")
        reason = f"{exc.smtp_code} {_text(exc.smtp_error)}" + (f" ({stage})" if stage else "")
        # A bare SMTPResponseException is smtplib's for STARTTLS: our setup too.
        setup = isinstance(exc, _SETUP_ERRORS) or type(exc) is SMTPResponseException
        return redact(reason), 500 <= exc.smtp_code < 600 and not setup
    if isinstance(exc, SoftTimeLimitExceeded):
        # The server answered too slowly for the claim (OUTBOX_CLAIM_SECONDS): a timeout.
        return f"The send took over {settings.OUTBOX_SEND_SOFT_TIME_LIMIT:.0f} s", False
    if isinstance(exc, Unsendable):
        return "The address cannot be written in an email (not valid for SMTP)", True
    # SMTPServerDisconnected, a refused connection, a timeout, a TLS error: the server or
    # the network, never this email; or an error of ours, which a deploy fixes.
    return redact(f"{type(exc).__name__}: {exc}"), False


def _text(message: bytes | str) -> str:
    text = message.decode(errors="replace") if isinstance(message, bytes) else str(message)
    return " ".join(text.split())


def requeue_unsent(
    *,
    older_than: timedelta = timedelta(seconds=30),
    batch: int = 1000,
    budget: float | None = None,
) -> int:
    """Publish every row that is due, that no worker is sending and whose task is not
    waiting in the queue; returns how many were published.

    First the claims of dead workers are released (release_stale_claims), so their rows
    are published in this sweep rather than OUTBOX_REPUBLISH_SECONDS after their task.

    In batches, oldest first, until none is left, the broker fails, or `budget` seconds
    (OUTBOX_SWEEP_BUDGET_SECONDS, below the beat interval) are spent: a backlog after an
    outage is handed to the workers in one sweep instead of a thousand rows a minute.
    """
    if budget is None:
        budget = settings.OUTBOX_SWEEP_BUDGET_SECONDS
    deadline = time.monotonic() + budget
    now = timezone.now()
    release_stale_claims(now)
    # A row published recently is still in the queue (or being sent): publishing it again
    # would only stack duplicates in front of the backlog. One published long ago was lost
    # (a broker restarted without its data, say); the worker's claim makes a repeat harmless.
    lost = now - timedelta(seconds=settings.OUTBOX_REPUBLISH_SECONDS)
    if _queue_is_empty():
        # Nothing waits in the queue, so an unclaimed row published longer ago than a send
        # can take has no task left but in the buffer of a worker that died before claiming
        # it (its message returns only after the broker's visibility timeout, an hour).
        lost = now - timedelta(seconds=settings.OUTBOX_CLAIM_SECONDS)
    waiting = (
        OutboxEmail.objects.due(now)
        .filter(created_at__lt=now - older_than, claimed_at__isnull=True)
        .filter(Q(published_at__isnull=True) | Q(published_at__lt=lost))
        .order_by("created_at", "pk")
    )
    total = 0
    after: tuple[datetime, int] | None = None
    while True:
        page = waiting
        if after is not None:
            # Keyset pagination: a range scan of the unsent index from where the last batch
            # ended, never over the rows already handed out again.
            page = page.filter(created_at__gte=after[0]).exclude(
                created_at=after[0], pk__lte=after[1]
            )
        rows = list(page.values_list("created_at", "pk")[:batch])
        if not rows:
            break
        published = publish(*(pk for _created, pk in rows))
        total += len(published)
        if len(published) < len(rows) or time.monotonic() >= deadline:
            break  # the broker failed (the breaker is open), or time is up: the next sweep
        after = rows[-1]
    return total


def _queue_is_empty() -> bool:
    """Whether no send task waits in the broker's queue; False when the broker cannot say.

    Through the broker's circuit breaker, like publish(). A live worker holds at most one
    task per process beyond the one it runs (CELERY_WORKER_PREFETCH_MULTIPLIER 1), and a
    task ends within OUTBOX_CLAIM_SECONDS (its time limits), so a task older than that and
    neither waiting nor claimed is lost.
    """
    name = settings.CELERY_TASK_DEFAULT_QUEUE
    try:
        with (
            breaker_for(settings.CELERY_BROKER_URL).guard((Exception,)),
            send_outbox_email.app.connection_for_write() as broker,
        ):
            try:
                _name, waiting, _consumers = broker.default_channel.queue_declare(
                    queue=name, passive=True
                )
            except ChannelError:  # the Redis transport: an empty queue has no key
                return True
    except Exception:
        log.info("Could not read the length of queue %s; lost tasks wait longer", name)
        return False
    return waiting == 0


def release_stale_claims(now: datetime) -> int:
    """Free the rows whose claim is older than OUTBOX_CLAIM_SECONDS; returns how many.

    Such a claim's sender is dead: the send task is stopped before its claim goes stale
    (settings), and a finished send marked its row sent or failed. Its task was consumed,
    so the row is marked unpublished, as after a failed send: the sweep publishes it now.
    PostgreSQL re-checks the WHERE clause against a claim a worker commits meanwhile.
    """
    stale = now - timedelta(seconds=settings.OUTBOX_CLAIM_SECONDS)
    claimed = OutboxEmail.objects.unsent().filter(claimed_at__lt=stale)
    # A row whose every try ended this way (its worker killed, or a database error each
    # time) is given up like one that failed MAX_ATTEMPTS times, not tried for ever.
    given_up = claimed.filter(attempts__gte=MAX_ATTEMPTS).update(
        claimed_at=None,
        context=None,
        failed_at=now,
        next_attempt_at=None,
        last_error=f"Given up after {MAX_ATTEMPTS} tries: each ended with its worker stopped",
    )
    released = claimed.update(claimed_at=None, published_at=None)
    if given_up:
        log.warning("Gave up %s outbox emails whose every try stopped its worker", given_up)
    if released:
        log.warning("Released %s outbox emails claimed by a worker that died", released)
    return released


def relay() -> None:
    """Publish every new outbox row as soon as its transaction commits; never returns.

    Run by `manage.py outbox_relay`, as a process of its own. It LISTENs for the outbox's
    INSERT trigger and, at each notification, publishes every row never published
    (publish_new): one sweep takes a whole burst of signatures, and the rows stored while
    the relay or the broker was down go with the first sweep after. A row tried before
    (its back-off ended, its claim released) waits for the whole sweep. At most every
    OUTBOX_RELAY_POLL_SECONDS, and that often without a notification, it sweeps whole
    (requeue_unsent, with no age), so a broker that comes back is used within that time.
    A lost database connection is opened again; the beat sweeper publishes whatever the
    relay misses.
    """
    while True:
        try:
            _listen_and_publish()
        except (DatabaseError, psycopg.Error):  # psycopg's own, from notifies()
            log.warning("Outbox relay lost the database; connecting again", exc_info=True)
            connection.close()
            time.sleep(1)


def _listen_and_publish() -> None:
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute(f"LISTEN {RELAY_CHANNEL}")
    listener = connection.connection
    poll = settings.OUTBOX_RELAY_POLL_SECONDS
    swept_at = -math.inf
    while True:
        if time.monotonic() - swept_at >= poll:
            # The whole sweep (dead workers' claims, lost tasks, back-offs ended), at most
            # every `poll` s; beat's sweeper does it too, whatever the relay does.
            requeue_unsent(older_than=timedelta(0))
            swept_at = time.monotonic()
        else:
            publish_new()
        # Wait for a notification, give the burst it began a moment to commit, then take
        # the notifications that came meanwhile: the next sweep publishes all their rows.
        if _notified(listener, timeout=poll):
            time.sleep(RELAY_GATHER_SECONDS)
            _notified(listener, timeout=0)


def _notified(listener: psycopg.Connection, *, timeout: float) -> bool:
    """Whether a notification came within `timeout` s (0: one look), taking it and those
    received with it. Nothing is done between them: notifies() yields every one a packet
    holds before it looks at `stop_after`, and a packet holds a whole burst's."""
    notified = False
    for _ in listener.notifies(timeout=timeout, stop_after=1):
        notified = True
    return notified


# How long the relay lets a burst gather after a notification: under load, one sweep (a
# query, the publishes, an UPDATE) then takes several rows instead of one each. An email
# waits this much longer; a signer does not notice.
RELAY_GATHER_SECONDS = 0.05


def publish_new(*, batch: int = 1000) -> int:
    """Publish the rows never published yet, oldest first (the relay's answer to a
    notification: new rows, and those stored while the relay or the broker was down);
    returns how many."""
    total = 0
    new = OutboxEmail.objects.unpublished()
    after = 0
    while True:
        # From where the last batch ended: if marking a batch published failed, its rows
        # are left to the next sweep rather than published again here, over and over.
        rows = list(new.filter(pk__gt=after).values_list("pk", flat=True)[:batch])
        published = publish(*rows)
        total += len(published)
        if len(rows) < batch or len(published) < len(rows):
            return total
        after = rows[-1]


def purge_sent(*, days: int) -> int:
    """Delete sent and given-up rows older than `days`: they hold addresses we no longer need."""
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = OutboxEmail.objects.filter(
        Q(sent_at__lt=cutoff) | Q(failed_at__lt=cutoff)
    ).delete()
    return deleted


# --- Celery tasks (beat runs the last two: CELERY_BEAT_SCHEDULE in settings) ----------------
@shared_task(acks_late=True, bind=True)
def send_outbox_email(self: Task, *pks: int) -> int:
    """Send outbox rows (publish() gives each task up to OUTBOX_TASK_ROWS); safe to run any
    number of times. Returns how many it sent.

    No Celery retries: a failed send is written on the row with its next try, and the
    sweeper below publishes it again when that time comes.
    """
    # What time leaves undone goes back to the queue this task came from.
    return deliver_many(pks, queue=(self.request.delivery_info or {}).get("routing_key"))


@shared_task(acks_late=True)
def requeue_unsent_email(older_than_seconds: int = 30) -> int:
    """Re-publish rows that are due: broker was down, worker died, or a back-off ended."""
    return requeue_unsent(older_than=timedelta(seconds=older_than_seconds))


@shared_task(acks_late=True)
def purge_sent_email() -> int:
    return purge_sent(days=settings.OUTBOX_RETENTION_DAYS)
