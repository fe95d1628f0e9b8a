import io

import pytest
from django.core.management import call_command

from allout import demo
from events import demo as events_demo
from events.models import Event
from tests.events.factories import make_campaign

pytestmark = pytest.mark.django_db


def demo_organizers_events():
    return Event.objects.filter(organizer__email=demo.ORGANIZER.email)


def test_load_demo_gives_the_demo_organizer_an_event_with_confirmed_participants(client):
    call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())  # twice: nothing doubles
    event = demo_organizers_events().get(participant_count__gt=0)
    assert event.participant_count == len(events_demo.PARTICIPANTS)
    assert event.attendances.confirmed().count() == event.participant_count

    assert client.login(username=demo.ORGANIZER.email, password=demo.ORGANIZER.password)
    html = client.get(f"/events/mine/{event.slug}/").content.decode()
    assert "alex.participant@example.org" in html


def test_one_function_builds_a_demo_event_with_its_participants():
    organizer, _ = demo.make_user(demo.ORGANIZER)
    spec = next(spec for spec in events_demo.demo_events() if spec.participants)
    event, created = events_demo.build_event(
        spec,
        campaign=make_campaign(),
        embassies=events_demo._embassies(io.StringIO()),
        organizers={spec.organizer: organizer},
        moderator=None,
    )
    assert created and event.accepts_rsvps() and event.moderation_actions.count() == 1
    assert event.participant_count == event.attendances.confirmed().count() == 5
    assert {a.email_normalized for a in event.attendances.all()} == {
        email for _, email, _ in events_demo.PARTICIPANTS
    }
