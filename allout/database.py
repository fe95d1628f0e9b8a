"""What a request does when its PostgreSQL connection drops: one retry, or a clean 503.

A PostgreSQL restart (an upgrade, a failover, an operator) ends every open connection, and
for a second or two refuses new ones. A request that meets that would answer 500 and its
signer would have to guess whether they signed. `RetryOnLostConnectionMiddleware` runs such
a request again on a fresh connection when that is safe, that is when nothing it asked the
database to keep can have been kept; otherwise it answers 503 with Retry-After.

"Nothing kept" is tracked, not assumed: `CommitTracker` watches every statement of the
request (`connection.execute_wrapper`). A write in autocommit mode is kept at once; a write
inside `transaction.atomic` is kept when the outermost block commits, which an on_commit
hook reports. Retrying such a request publishes nothing twice: the outbox's relay publishes
only rows whose transaction committed (allout.mail). A write in autocommit mode that loses
its connection mid-statement counts as not kept, though it may have committed just before
the server went away: the retry is harmless for the one that does so (a signature or a
sign-up with its email, allout.mail.insert_new_with_email), since it then finds the row
and takes the repeat's path, which emails again at most once an hour.
Rate-limit counters live in Redis and are incremented again by the retry (acceptable: a
retried signer counts twice against a limit of many).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import psycopg
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers

log = logging.getLogger(__name__)

# SQLSTATEs of a server that ended or refused the session: admin_shutdown (a restart),
# crash_shutdown, cannot_connect_now (starting up or shutting down), too_many_connections.
# Class 08 (connection exception) is matched by prefix. Everything else (a lock timeout
# 55P03, a serialization failure 40001, a deadlock 40P01, a statement timeout 57014) is the
# query's own fault on a live connection, and stays an error.
_LOST_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "53300"})
# Statements that never change what the database keeps. Anything else counts as a write,
# so a statement this misreads costs a retry, never a double write.
_READ_ONLY_PREFIXES = ("SELECT", "SHOW", "SAVEPOINT", "RELEASE", "ROLLBACK", "EXPLAIN")
# How often to try connecting again while waiting for the database to come back.
_RECONNECT_INTERVAL = 0.1
# What the 503 tells a browser (and a load balancer) to wait before trying again.
RETRY_AFTER_SECONDS = 5


def is_connection_lost(exc: BaseException) -> bool:
    """Whether `exc` says the connection (not the query) failed: the server went away,
    refused us, or the socket broke."""
    if isinstance(exc, InterfaceError):  # "the connection is closed"
        return True
    if not isinstance(exc, OperationalError) or not isinstance(exc.__cause__, psycopg.Error):
        return False
    sqlstate = exc.__cause__.sqlstate
    # psycopg gives no SQLSTATE when no server answered: refused, reset, closed, timed out.
    return sqlstate is None or sqlstate.startswith("08") or sqlstate in _LOST_SQLSTATES


def _writes(sql: str) -> bool:
    return not sql.lstrip().upper().startswith(_READ_ONLY_PREFIXES)


class CommitTracker:
    """An execute wrapper that notes whether the request may have kept anything, and
    whether one of its statements lost the connection."""

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        self.connection = connection
        self.committed = False  # a write was kept: in autocommit, or its transaction committed
        self.unconfirmed_writes = 0  # writes in transactions not (yet) reported committed
        self.lost: BaseException | None = None
        self.lost_in_transaction = False

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict
    ) -> Any:
        try:
            result = execute(sql, params, many, context)
        except Exception as exc:
            if is_connection_lost(exc):
                self.lost = exc
                self.lost_in_transaction = self.connection.in_atomic_block
            raise
        if _writes(sql):
            if self.connection.in_atomic_block:
                self.unconfirmed_writes += 1
                # Registered at the transaction's writes, so before the hooks a service adds
                # after them (the outbox's publish): a hook that raises cannot skip this one.
                self.connection.on_commit(self._confirm)
            else:  # autocommit (or manual transactions, which have no hook): kept
                self.committed = True
        return result

    def _confirm(self) -> None:
        self.unconfirmed_writes -= 1
        self.committed = True

    def may_have_committed(self) -> bool:
        """Whether running the request again could write twice.

        Writes whose transaction was open when its statement lost the connection were
        rolled back by the server. Writes in a transaction that ended unreported either
        rolled back or lost the connection at COMMIT, when nobody knows whether PostgreSQL
        kept them: counted as kept.
        """
        pending = self.unconfirmed_writes > 0 and not (
            self.lost is not None and self.lost_in_transaction
        )
        return self.committed or pending


class _LostConnectionResponse(HttpResponse):
    """What process_exception answers for a lost connection, for __call__ to replace.

    A 500, so that SessionMiddleware does not try to save the session on the way out.
    """

    status_code = 500


def unavailable_response() -> HttpResponse:
    """The 503 page: static, like 500.html, so that it renders with the database down."""
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    # The middleware that would add these sits inside this one (settings.MIDDLEWARE).
    response["X-Frame-Options"] = "DENY"
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'self'"
    add_never_cache_headers(response)
    return response


def wait_for_database(connection: BaseDatabaseWrapper, seconds: float) -> bool:
    """Connect afresh, trying for up to `seconds` while PostgreSQL restarts."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            connection.ensure_connection()
        except (OperationalError, InterfaceError) as exc:
            if not is_connection_lost(exc) or time.monotonic() >= deadline:
                return False
            time.sleep(_RECONNECT_INTERVAL)
        else:
            return True


class RetryOnLostConnectionMiddleware:
    """A request whose database connection dropped runs once more on a fresh connection if
    it kept nothing; otherwise, or if the retry fails too, it answers 503 with Retry-After.

    It sits outside the session, CSRF, authentication and messages middleware, so a retry
    runs them again from the start: the session is loaded afresh, and the messages and
    cookies of the failed attempt are dropped with its response. request.POST and
    request.FILES, parsed by the first attempt, are read again from the request. A streaming
    response (the CSV exports) is returned before its rows are read, so a connection lost
    while streaming is never retried: the download breaks off, as any broken download does.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        connection = connections[DEFAULT_DB_ALIAS]
        response, tracker = self._attempt(request, connection)
        if not self._lost(response, tracker):
            return response
        connection.close()  # broken: the next request must not meet it
        if tracker.may_have_committed():
            log.warning("Database connection lost after a commit; answered 503 (not retried)")
            return unavailable_response()
        if not wait_for_database(connection, settings.DB_RETRY_WAIT):
            log.warning("Database connection lost and not back; answered 503")
            return unavailable_response()
        log.warning("Database connection lost before any commit; retrying on a fresh one")
        response, tracker = self._attempt(request, connection)
        if self._lost(response, tracker):
            connection.close()
            return unavailable_response()
        return response

    def _attempt(
        self, request: HttpRequest, connection: BaseDatabaseWrapper
    ) -> tuple[HttpResponse, CommitTracker]:
        tracker = CommitTracker(connection)
        with connection.execute_wrapper(tracker):
            return self.get_response(request), tracker

    @staticmethod
    def _lost(response: HttpResponse, tracker: CommitTracker) -> bool:
        # The view's own exceptions reach process_exception; a middleware's (a session
        # save) become a 500 on the way, which the tracker explains.
        return isinstance(response, _LostConnectionResponse) or (
            response.status_code == 500 and tracker.lost is not None
        )

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_connection_lost(exception):
            return _LostConnectionResponse()
        return None
