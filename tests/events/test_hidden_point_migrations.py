"""The migrations that show embassy events' points and give hidden events their keyed point."""

import pytest
from django.contrib.gis.geos import Point

from events import geo
from events.models import Event
from tests.events.factories import make_event
from tests.migrations import just_before, latest, migrate_to

# Migrating back and forth alters tables: outside a test transaction (pending triggers).
pytestmark = pytest.mark.django_db(transaction=True)

FIRST = ("events", "0010_embassy_events_never_hidden")


def migrate(to: str) -> None:
    """To the state just before FIRST, or to the newest state of every app."""
    migrate_to(just_before(FIRST) if to == "before" else latest())


@pytest.fixture(autouse=True)
def _newest_schema_after_each_test():
    """A failing test must not leave the database on an old schema for the tests after it."""
    yield
    migrate("after")


def stored_as_before(event: Event, *, hidden: bool, kind: str | None = None) -> None:
    """The row as the old code left it: a random approximate point, maybe a hidden embassy."""
    random_point = geo.offset_point(event.point, distance_m=123, bearing_deg=45)
    Event.objects.filter(pk=event.pk).update(
        kind=kind or event.kind,
        hide_exact_location=hidden,
        approximate_point=random_point,
        public_point=random_point if hidden else event.point,
    )


def test_embassy_events_saved_hidden_show_their_point_and_hidden_points_are_recomputed():
    # Made with today's model, then the schema goes back (and its constraint with it).
    embassy = make_event(point=Point(-0.190944, 51.507806, srid=4326))
    hidden = make_event(place="sao-paulo")
    shown = make_event(place="new-york")
    migrate("before")
    stored_as_before(embassy, hidden=True, kind=Event.Kind.EMBASSY)
    stored_as_before(hidden, hidden=True)
    stored_as_before(shown, hidden=False)
    migrate("after")

    assert Event.objects.count() == 3
    embassy.refresh_from_db()
    assert embassy.hide_exact_location is False
    assert embassy.public_point.equals_exact(embassy.point, 1e-12)
    hidden.refresh_from_db()
    assert hidden.hide_exact_location is True
    assert hidden.public_point.equals_exact(geo.approximate(hidden.point), 1e-12)
    assert hidden.approximate_point.equals_exact(hidden.public_point, 1e-12)
    shown.refresh_from_db()
    assert shown.public_point.equals_exact(shown.point, 1e-12)
    assert shown.approximate_point.equals_exact(geo.approximate(shown.point), 1e-12)
