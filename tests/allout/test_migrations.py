"""Campaign and HighRiskCountry moved from events to allout without losing a row.

Each test migrates the test database back to the heads from before the move, writes rows
with the historical models of that schema, migrates forward and finds them all.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.contrib.gis.geos import Point
from django.db import connection
from django.db.migrations.state import StateApps
from django.utils import timezone

from allout.models import Campaign, HighRiskCountry
from events.models import Embassy, Event
from petitions.models import Petition
from tests.migrations import latest, migrate_to

pytestmark = pytest.mark.django_db(transaction=True)

OLD_HEADS = [
    ("allout", "0002_outbox_backoff"),
    ("events", "0004_organizermessage"),
    ("petitions", "0001_initial"),
]
LONDON = Point(-0.1276, 51.5072, srid=4326)


@pytest.fixture
def old_schema() -> Iterator[StateApps]:
    yield migrate_to(OLD_HEADS)
    migrate_to(latest())  # also when the test failed half-way: the next tests need it


def write_a_campaign_with_everything(apps: StateApps) -> dict:
    """One row of every kind that hangs on a campaign, written under the old schema."""
    User = apps.get_model("auth", "User")
    OldCampaign = apps.get_model("events", "Campaign")
    OldHighRiskCountry = apps.get_model("events", "HighRiskCountry")
    campaign = OldCampaign.objects.create(
        name="Day of action", slug="day-of-action-2099", date=datetime.date(2099, 3, 16)
    )
    OldHighRiskCountry.objects.create(country="TM", note="Added by staff")
    embassy = apps.get_model("events", "Embassy").objects.create(
        name="Embassy of Russia in London",
        country="GB",
        city="London",
        address="6/7 Kensington Palace Gardens",
        point=LONDON,
    )
    organizer = User.objects.create(username="organizer@example.org")
    starts_at = timezone.make_aware(datetime.datetime(2099, 3, 16, 14))
    event = apps.get_model("events", "Event").objects.create(
        campaign=campaign,
        kind="embassy",
        embassy=embassy,
        title="Outside the embassy",
        slug="outside-the-embassy",
        description="Bring a flag.",
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=2),
        timezone="Europe/London",
        meeting_point="The gate",
        address=embassy.address,
        city="London",
        country="GB",
        point=LONDON,
        approximate_point=LONDON,
        public_point=LONDON,
        organizer_name="Sam",
        guidelines_accepted_at=timezone.now(),
        status="approved",
        organizer=organizer,
    )
    apps.get_model("events", "Attendance").objects.create(
        event=event, first_name="Ann", email="ann@example.org", email_normalized="ann@example.org"
    )
    petition = apps.get_model("petitions", "Petition").objects.create(
        slug="stand-with-queer-russia",
        title="Stand with queer Russia",
        summary="Protect them.",
        text="We ask...",
        author="Sphere Foundation",
        campaign=campaign,
    )
    apps.get_model("petitions", "Target").objects.create(petition=petition, name="A minister")
    apps.get_model("petitions", "Signature").objects.create(
        petition=petition,
        first_name="Bo",
        last_name="Lind",
        email="bo@example.org",
        email_normalized="bo@example.org",
        country="SE",
    )
    return {
        "campaign": campaign.pk,
        "embassy": embassy.pk,
        "event": event.pk,
        "petition": petition.pk,
        "countries": set(OldHighRiskCountry.objects.values_list("pk", "country", "note")),
    }


def grant(apps: StateApps, app_label: str, codename: str, group_name: str) -> int:
    """Give a new group `app_label.codename`, creating the content type and permission
    as post_migrate would have; the content type's id."""
    content_type, _ = apps.get_model("contenttypes", "ContentType").objects.get_or_create(
        app_label=app_label, model=codename.split("_", 1)[1]
    )
    permission, _ = apps.get_model("auth", "Permission").objects.get_or_create(
        content_type=content_type, codename=codename, defaults={"name": codename}
    )
    group = apps.get_model("auth", "Group").objects.create(name=group_name)
    group.permissions.add(permission)
    user = apps.get_model("auth", "User").objects.create(username=f"{group_name}@example.org")
    user.groups.add(group)
    return content_type.pk


def test_every_row_and_foreign_key_survives_the_move_to_allout(old_schema):
    before = write_a_campaign_with_everything(old_schema)

    migrate_to(latest())

    campaign = Campaign.objects.get(pk=before["campaign"])
    assert (campaign.slug, campaign.date) == ("day-of-action-2099", datetime.date(2099, 3, 16))
    assert set(HighRiskCountry.objects.values_list("pk", "country", "note")) == before["countries"]
    event = Event.objects.get(pk=before["event"])
    petition = Petition.objects.get(pk=before["petition"])
    assert event.campaign == campaign and petition.campaign == campaign
    assert list(campaign.events.all()) == [event] and list(campaign.petitions.all()) == [petition]
    assert event.embassy == Embassy.objects.get(pk=before["embassy"])
    assert [a.email for a in event.attendances.all()] == ["ann@example.org"]
    assert [t.name for t in petition.targets.all()] == ["A minister"]
    assert [s.email for s in petition.signatures.all()] == ["bo@example.org"]
    assert Event.objects.public().filter(pk=event.pk).exists()  # the renamed list is read
    # The identity sequences moved with the tables: new rows take the next ids.
    assert Campaign.objects.create(name="Next", slug="next", date="2100-03-16").pk > campaign.pk
    assert HighRiskCountry.objects.create(country="AF").pk > max(
        pk for pk, _, _ in before["countries"]
    )


def test_the_tables_indexes_and_foreign_keys_carry_allout_names_only(old_schema):
    migrate_to(latest())

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relname LIKE %s OR relname LIKE %s"
            " UNION ALL SELECT conname FROM pg_constraint WHERE conname LIKE %s",
            [r"events\_campaign%", r"events\_highriskcountry%", r"%\_fk\_events\_campaign%"],
        )
        assert cursor.fetchall() == []
        cursor.execute("SELECT pg_get_serial_sequence('allout_campaign', 'id')")
        assert cursor.fetchone() == ("public.allout_campaign_id_seq",)


def test_groups_keep_their_campaign_and_high_risk_permissions(old_schema):
    old_id = grant(old_schema, "events", "change_highriskcountry", "keepers")
    grant(old_schema, "events", "view_campaign", "viewers")

    migrate_to(latest())

    users = get_user_model().objects
    assert users.get(username="keepers@example.org").has_perm("allout.change_highriskcountry")
    assert users.get(username="viewers@example.org").has_perm("allout.view_campaign")
    assert ContentType.objects.get_for_model(HighRiskCountry).pk == old_id
    assert not ContentType.objects.filter(
        app_label="events", model__in=["campaign", "highriskcountry"]
    ).exists()


def test_a_content_type_made_for_allout_before_the_move_is_merged_into_the_old_one(old_schema):
    old_id = grant(old_schema, "events", "change_highriskcountry", "keepers")
    grant(old_schema, "allout", "change_highriskcountry", "newcomers")

    migrate_to(latest())

    content_type = ContentType.objects.get(app_label="allout", model="highriskcountry")
    assert content_type.pk == old_id
    holders = {
        user.username
        for user in get_user_model().objects.all()
        if user.has_perm("allout.change_highriskcountry")
    }
    assert holders == {"keepers@example.org", "newcomers@example.org"}
    assert content_type.permission_set.filter(codename="change_highriskcountry").count() == 1
