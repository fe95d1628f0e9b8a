import io

import pytest
from django.core.management import call_command

from allout import demo
from events import demo_participation
from events.models import Event

pytestmark = pytest.mark.django_db


def demo_organizers_events():
    return Event.objects.filter(organizer__email=demo.ORGANIZER.email)


def test_load_demo_gives_the_demo_organizer_an_event_with_confirmed_participants(client):
    call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())  # twice: nothing doubles
    event = demo_organizers_events().get(participant_count__gt=0)
    assert event.participant_count == len(demo_participation.PARTICIPANTS)
    assert event.attendances.confirmed().count() == event.participant_count

    assert client.login(username=demo.ORGANIZER.email, password=demo.ORGANIZER.password)
    html = client.get(f"/events/mine/{event.slug}/").content.decode()
    assert "alex.participant@example.org" in html


def test_the_participants_demo_works_without_the_events_demo():
    demo_participation.load(io.StringIO())
    event = demo_organizers_events().get()
    assert event.slug == demo_participation.DEMO_SLUG
    assert event.accepts_rsvps() and event.hide_exact_location
    assert event.local_starts_at().hour == 17
