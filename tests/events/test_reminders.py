import datetime
from functools import partial

import pytest
import time_machine

from allout.models import OutboxEmail
from events.models import Attendance, Event
from events.services import erasure, rsvp
from events.services import reminders as reminder_service
from tests.concurrency import run_concurrently
from tests.events.factories import make_attendance, make_event
from tests.outbox import rendered

pytestmark = pytest.mark.django_db

# 17:00 UTC is 14:00 in São Paulo (UTC-3 all year).
START = datetime.datetime(2031, 3, 16, 17, 0, tzinfo=datetime.UTC)
HOUR = datetime.timedelta(hours=1)
MINUTE = datetime.timedelta(minutes=1)


def sao_paulo_event(**kwargs) -> Event:
    kwargs.setdefault("starts_at", START)
    return make_event(place="sao-paulo", **kwargs)


def reminders(kind: str | None = None) -> list[OutboxEmail]:
    rows = rendered().filter(kind="attendance_reminder").order_by("pk")
    return [r for r in rows if kind is None or r.subject.startswith(kind)]


@pytest.fixture
def clock():
    with time_machine.travel(START - datetime.timedelta(days=3), tick=False) as traveller:
        yield traveller


def test_reminders_go_out_a_day_before_and_three_hours_before_exactly_once(clock):
    event = sao_paulo_event()
    alice = make_attendance(event, email="alice@example.org", status="confirmed")
    bob = make_attendance(event, email="bob@example.org", status="confirmed")

    clock.move_to(START - 24 * HOUR - MINUTE)
    assert reminder_service.send_reminders() == 0

    clock.move_to(START - 24 * HOUR + 4 * MINUTE)
    assert reminder_service.send_reminders() == 2
    assert reminder_service.send_reminders() == 0
    day_before = reminders("Tomorrow:")
    assert sorted(r.to for r in day_before) == ["alice@example.org", "bob@example.org"]
    # The time is the event's own: 14:00 in São Paulo, not 17:00 UTC.
    day, zone = "Sunday 16 March 2031", "America/Sao_Paulo, UTC\N{MINUS SIGN}03:00"
    assert f"{day}, 14:00\N{EN DASH}16:00 (local time: {zone})" in day_before[0].body_text

    clock.move_to(START - 3 * HOUR - MINUTE)
    assert reminder_service.send_reminders() == 0

    clock.move_to(START - 3 * HOUR + 2 * MINUTE)
    assert reminder_service.send_reminders() == 2
    assert reminder_service.send_reminders() == 0
    assert sorted(r.to for r in reminders("Starting soon:")) == [
        "alice@example.org",
        "bob@example.org",
    ]

    clock.move_to(START + MINUTE)
    assert reminder_service.send_reminders() == 0
    assert len(reminders()) == 4
    for attendance in (alice, bob):
        attendance.refresh_from_db()
        assert attendance.reminded_day_before_for == START
        assert attendance.reminded_hours_before_for == START


def test_only_confirmed_reachable_participants_of_approved_events_are_reminded(clock):
    event = sao_paulo_event()
    make_attendance(event, email="confirmed@example.org", status="confirmed")
    make_attendance(event, email="unconfirmed@example.org")
    rsvp.cancel(make_attendance(event, email="cancelled@example.org", status="confirmed"))
    erased = make_attendance(event, email="erased@example.org", status="confirmed")
    erasure.erase_personal_data(erased.email)
    cancelled_event = sao_paulo_event()
    make_attendance(cancelled_event, email="other@example.org", status="confirmed")
    Event.objects.filter(pk=cancelled_event.pk).update(status=Event.Status.CANCELLED)

    clock.move_to(START - 20 * HOUR)
    reminder_service.send_reminders()
    assert [r.to for r in reminders()] == ["confirmed@example.org"]


def test_a_rescheduled_event_is_reminded_for_its_new_time_never_for_the_old(clock):
    event = sao_paulo_event()
    make_attendance(event, email="alice@example.org", status="confirmed")
    clock.move_to(START - 23 * HOUR)
    assert reminder_service.send_reminders() == 1
    rendered()  # the worker sends it at once, with the time of then

    new_start = START + datetime.timedelta(days=2)
    Event.objects.filter(pk=event.pk).update(starts_at=new_start, ends_at=new_start + 2 * HOUR)
    # The old start passes: nothing is sent for it.
    clock.move_to(START - 2 * HOUR)
    assert reminder_service.send_reminders() == 0
    clock.move_to(START + MINUTE)
    assert reminder_service.send_reminders() == 0

    clock.move_to(new_start - 23 * HOUR)
    assert reminder_service.send_reminders() == 1
    clock.move_to(new_start - 2 * HOUR)
    assert reminder_service.send_reminders() == 1
    assert reminder_service.send_reminders() == 0
    old_day_before, new_day_before, soon = reminders()
    assert "Sunday 16 March 2031, 14:00" in old_day_before.body_text
    assert "Tuesday 18 March 2031, 14:00" in new_day_before.body_text
    assert soon.subject.startswith("Starting soon:")
    assert "Tuesday 18 March 2031, 14:00" in soon.body_text


def test_a_sweep_that_runs_late_skips_the_day_before_reminder_once_the_hours_before_is_due(
    clock,
):
    event = sao_paulo_event()
    make_attendance(event, status="confirmed")
    clock.move_to(START - 2 * HOUR)
    assert reminder_service.send_reminders() == 1
    assert len(reminders("Starting soon:")) == 1 and reminders("Tomorrow:") == []


def test_confirming_within_a_day_of_the_start_sends_no_separate_day_before_reminder(clock):
    event = sao_paulo_event()
    attendance = make_attendance(event)
    clock.move_to(START - 20 * HOUR)
    rsvp.confirm(attendance)
    assert reminder_service.send_reminders() == 0
    clock.move_to(START - 2 * HOUR)
    assert reminder_service.send_reminders() == 1


def test_the_reminder_sweep_runs_a_fixed_number_of_queries(clock, django_assert_num_queries):
    for _ in range(2):
        event = sao_paulo_event()
        for _ in range(3):
            make_attendance(event, status="confirmed")
    clock.move_to(START - 20 * HOUR)
    # Per reminder kind, a savepoint pair (one transaction each) and one SELECT ... FOR
    # UPDATE SKIP LOCKED; then one outbox INSERT per email and one UPDATE per start time;
    # and once, whether staff blocked anything (then cached, not asked per email).
    with django_assert_num_queries(2 * (2 + 1) + 6 + 1 + 1):
        assert reminder_service.send_reminders() == 6


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_racing_send_each_reminder_once():
    with time_machine.travel(START - 20 * HOUR, tick=False):
        event = sao_paulo_event()
        for _ in range(40):
            make_attendance(event, status="confirmed")
        results = run_concurrently(partial(reminder_service.send_reminders, batch_size=7), [()] * 2)
    assert sum(results) == 40
    assert rendered().filter(kind="attendance_reminder").count() == 40
    assert rendered().values("to").distinct().count() == 40
    assert not Attendance.objects.filter(reminded_day_before_for__isnull=True).exists()
