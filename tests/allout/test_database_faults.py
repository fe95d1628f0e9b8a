"""A request whose PostgreSQL connection drops is retried once if it kept nothing, else 503.

The connection is really dropped: another session ends the request's backend with
pg_terminate_backend(), which is what a restart does to it (SQLSTATE 57P01). The views
below are this test's own (pytest.mark.urls), so each can drop its connection exactly where
the decision changes: before any write, inside an open transaction, after a commit.
"""

from __future__ import annotations

import contextlib
import datetime

import psycopg
import pytest
from django.db import OperationalError, connection, connections, transaction
from django.http import HttpRequest, HttpResponse
from django.urls import path

from allout.database import CommitTracker, is_connection_lost
from allout.models import Campaign
from tests.conftest import _test_database_url, free_port

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls(__name__)]

calls: list[str] = []


def _admin_connection() -> psycopg.Connection:
    return psycopg.connect(
        _test_database_url().replace("postgis://", "postgresql://", 1), autocommit=True
    )


def drop_own_connection() -> None:
    """End this thread's backend from another session, as a PostgreSQL restart does."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    with _admin_connection() as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])


def _campaign(slug: str) -> Campaign:
    return Campaign.objects.create(name=slug, slug=slug, date=datetime.date(2030, 6, 1))


def _drops_on_first_call(name: str) -> bool:
    calls.append(name)
    return calls.count(name) == 1


def read_only(request: HttpRequest) -> HttpResponse:
    if _drops_on_first_call("read_only"):
        drop_own_connection()
    return HttpResponse(f"{Campaign.objects.count()} campaigns")


def write_in_open_transaction(request: HttpRequest) -> HttpResponse:
    with transaction.atomic():
        _campaign(f"open-{len(calls)}")
        if _drops_on_first_call("open"):
            drop_own_connection()
        Campaign.objects.count()
    return HttpResponse("saved", status=302)


def write_then_drop(request: HttpRequest) -> HttpResponse:
    with transaction.atomic():
        _campaign(f"kept-{len(calls)}")
    if _drops_on_first_call("kept"):
        drop_own_connection()
    Campaign.objects.count()
    return HttpResponse("saved", status=302)


def always_drops(request: HttpRequest) -> HttpResponse:
    calls.append("always")
    drop_own_connection()
    Campaign.objects.count()
    return HttpResponse("unreachable")


def lock_timeout(request: HttpRequest) -> HttpResponse:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL lock_timeout = '50ms'")
        cursor.execute("LOCK TABLE allout_campaign IN ACCESS EXCLUSIVE MODE")
    return HttpResponse("locked")


urlpatterns = [
    path("read-only/", read_only),
    path("open/", write_in_open_transaction),
    path("kept/", write_then_drop),
    path("always/", always_drops),
    path("lock/", lock_timeout),
]


@pytest.fixture(autouse=True)
def _fresh_calls() -> None:
    calls.clear()


@pytest.fixture
def client(client, settings):
    settings.DB_RETRY_WAIT = 1
    client.raise_request_exception = False  # a 500 is an answer here
    return client


def test_a_read_whose_connection_drops_is_retried_on_a_fresh_one(client):
    response = client.get("/read-only/")
    assert response.status_code == 200
    assert calls == ["read_only", "read_only"]


def test_a_transaction_that_lost_its_connection_is_run_again_once_and_kept_once(client):
    response = client.get("/open/")
    assert response.status_code == 302
    assert calls == ["open", "open"]
    assert list(Campaign.objects.values_list("slug", flat=True)) == ["open-1"]


def test_a_request_that_committed_before_the_drop_answers_503_and_is_not_run_again(client):
    response = client.get("/kept/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert b"try again in a moment" in response.content
    assert calls == ["kept"]
    assert list(Campaign.objects.values_list("slug", flat=True)) == ["kept-0"]


def test_a_request_whose_retry_drops_too_answers_503(client):
    response = client.get("/always/")
    assert response.status_code == 503
    assert calls == ["always", "always"]


def test_a_lock_timeout_is_an_error_of_its_own_and_not_retried(client):
    with _admin_connection() as holder, holder.transaction():
        holder.execute("LOCK TABLE allout_campaign IN ACCESS EXCLUSIVE MODE")
        response = client.get("/lock/")
    assert response.status_code == 500


# --- What counts as a lost connection, and as kept ---------------------------------------
def _error(run) -> BaseException:
    with pytest.raises(OperationalError) as caught:
        run()
    return caught.value


def test_a_terminated_backend_and_a_refused_connection_count_as_lost():
    terminated = _error(lambda: (drop_own_connection(), Campaign.objects.count()))
    assert is_connection_lost(terminated)
    connection.close()

    refused = {**connection.settings_dict, "PORT": str(free_port()), "NAME": "nothing"}
    wrapper = type(connections["default"])(refused, alias="refused")
    assert is_connection_lost(_error(wrapper.ensure_connection))


def test_a_statement_timeout_does_not_count_as_lost():
    def slow() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = 10")
            cursor.execute("SELECT pg_sleep(1)")

    assert not is_connection_lost(_error(slow))


def _tracked(run) -> CommitTracker:
    tracker = CommitTracker(connection)
    with connection.execute_wrapper(tracker), contextlib.suppress(OperationalError):
        run()
    return tracker


def test_reads_and_savepoints_keep_nothing():
    def reads() -> None:
        with transaction.atomic(), transaction.atomic():
            Campaign.objects.count()

    assert not _tracked(reads).may_have_committed()


def test_a_write_in_autocommit_is_kept():
    assert _tracked(lambda: _campaign("autocommit")).may_have_committed()


def test_a_committed_transaction_is_kept_and_a_rolled_back_one_counts_as_kept_too():
    def committed() -> None:
        with transaction.atomic():
            _campaign("committed")

    def rolled_back() -> None:
        with transaction.atomic():
            _campaign("rolled-back")
            transaction.set_rollback(True)

    assert _tracked(committed).committed
    # Nobody reports a rollback; the tracker cannot tell it from a COMMIT that was lost.
    tracker = _tracked(rolled_back)
    assert not tracker.committed
    assert tracker.may_have_committed()


def test_writes_in_the_transaction_that_lost_its_connection_were_not_kept():
    def dropped_mid_transaction() -> None:
        with transaction.atomic():
            _campaign("lost")
            drop_own_connection()
            Campaign.objects.count()

    tracker = _tracked(dropped_mid_transaction)
    connection.close()
    assert tracker.lost is not None
    assert not tracker.may_have_committed()
    assert not Campaign.objects.filter(slug="lost").exists()
