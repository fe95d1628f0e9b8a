"""One account cannot flood the moderation queue, nor the moderators' inboxes."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone

from events.errors import RegistrationLimit
from events.models import Event
from events.services import moderation, registration
from tests.concurrency import run_concurrently
from tests.events.factories import form_data, make_campaign, make_event, make_organizer
from tests.outbox import rendered

pytestmark = pytest.mark.django_db

URL = "/events/new/"


@pytest.fixture
def organizer_client(client, organizer, campaign):
    client.force_login(organizer)
    return client


def register(client, number: int):
    return client.post(URL, form_data(title=f"Protest number {number}"))


def test_a_fourth_pending_event_is_refused_with_a_clear_message(organizer_client, settings):
    settings.EVENTS_PENDING_PER_ORGANIZER = 3
    for number in range(3):
        assert register(organizer_client, number).status_code == 302
    response = register(organizer_client, 4)
    assert response.status_code == 400
    assert "You already have 3 events waiting for review" in response.text
    assert Event.objects.count() == 3


def test_an_approved_event_makes_room_for_another_pending_one(
    organizer_client, organizer, staff_user, settings
):
    settings.EVENTS_PENDING_PER_ORGANIZER = 3
    for number in range(3):
        register(organizer_client, number)
    moderation.approve_event(Event.objects.first(), staff_user)
    assert register(organizer_client, 4).status_code == 302


def test_events_per_day_are_limited_and_the_limit_lifts_the_next_day(
    organizer_client, organizer, staff_user, settings
):
    settings.EVENTS_PENDING_PER_ORGANIZER = 10
    settings.EVENTS_PER_ORGANIZER_PER_DAY = 2
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert register(organizer_client, 1).status_code == 302
        assert register(organizer_client, 2).status_code == 302
        response = register(organizer_client, 3)
        assert response.status_code == 400
        assert "You have registered 2 events in the last 24 hours" in response.text
    with time_machine.travel(start + datetime.timedelta(hours=25), tick=False):
        assert register(organizer_client, 3).status_code == 302


def test_the_limits_are_one_organizers_own(organizer_client, client, settings, campaign):
    settings.EVENTS_PENDING_PER_ORGANIZER = 1
    register(organizer_client, 1)
    other = make_organizer()
    client.force_login(other)
    assert register(client, 2).status_code == 302


@pytest.mark.django_db(transaction=True)
def test_racing_submissions_cannot_pass_the_pending_limit(settings):
    settings.EVENTS_PENDING_PER_ORGANIZER = 2
    campaign = make_campaign()
    organizer = make_organizer()
    template = make_event(organizer=make_organizer(), campaign=campaign)
    details = registration.EventDetails(
        **{name: getattr(template, name) for name in registration.EventDetails.__dataclass_fields__}
    )

    def submit() -> bool:
        try:
            registration.register_event(organizer, details, campaign=campaign)
        except RegistrationLimit:
            return False
        return True

    results = run_concurrently(submit, [()] * 6)
    assert results.count(True) == 2
    assert Event.objects.filter(organizer=organizer).count() == 2


def test_moderators_get_one_email_listing_every_new_event(organizer_client, staff_user, settings):
    settings.EVENTS_PENDING_PER_ORGANIZER = 5
    for number in range(3):
        register(organizer_client, number)
    assert not rendered().filter(to=staff_user.email).exists()

    assert moderation.alert_moderators() == 3
    row = rendered().get(to=staff_user.email)
    assert row.kind == "events_to_moderate"
    assert row.subject == "3 new events to review"
    for event in Event.objects.all():
        assert event.title in row.body_text
        assert f"/admin/events/event/{event.pk}/change/" in row.body_text


def test_the_next_sweep_lists_only_events_registered_since(organizer_client, staff_user):
    register(organizer_client, 1)
    moderation.alert_moderators()
    assert moderation.alert_moderators() == 0
    register(organizer_client, 2)
    assert moderation.alert_moderators() == 1
    latest = rendered().filter(to=staff_user.email).latest("created_at")
    assert "Protest number 2" in latest.body_text and "Protest number 1" not in latest.body_text
    assert latest.subject == "A new event to review"


def test_an_event_reviewed_before_the_sweep_is_not_announced(organizer_client, staff_user):
    register(organizer_client, 1)
    moderation.approve_event(Event.objects.get(), staff_user)
    assert moderation.alert_moderators() == 0
    assert not rendered().filter(kind="events_to_moderate").exists()


def test_beat_runs_the_moderators_alert_every_few_minutes(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["alert-moderators"]
    assert entry["task"] == "events.tasks.alert_moderators"
    assert entry["schedule"] == settings.MODERATOR_ALERT_SECONDS == 300
