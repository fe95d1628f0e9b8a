from __future__ import annotations

from django.db import connection
from django.db.migrations.loader import MigrationLoader

from allout import risk
from allout.models import HighRiskCountry

OLD_HEADS = [
    ("allout", "0002_outbox_backoff"),
    ("events", "0004_organizermessage"),
    ("petitions", "0001_initial"),
]


def test_russia_and_belarus_are_the_list_after_migrate(db):
    assert risk.high_risk_countries() == frozenset({"RU", "BY"})
    assert risk.is_high_risk("ru") and not risk.is_high_risk("DE")


def test_the_list_is_read_from_the_database_and_cached_briefly(db):
    assert risk.high_risk_countries() == frozenset({"RU", "BY"})
    # bulk_create sends no signal: the cached list stays until it expires or is forgotten.
    HighRiskCountry.objects.bulk_create([HighRiskCountry(country="tm")])
    assert risk.high_risk_countries() == frozenset({"RU", "BY"})
    risk.forget()
    assert risk.high_risk_countries() == frozenset({"RU", "BY", "TM"})


def test_changing_the_list_drops_the_cached_list_at_once_and_after_commit(
    db, django_capture_on_commit_callbacks
):
    assert risk.high_risk_countries() == frozenset({"RU", "BY"})
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        row = HighRiskCountry.objects.create(country="TM")
    assert risk.forget in callbacks
    assert risk.high_risk_countries() == frozenset({"RU", "BY", "TM"})
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        row.delete()
    assert risk.forget in callbacks
    assert risk.high_risk_countries() == frozenset({"RU", "BY"})


def test_the_seed_fills_an_empty_list_only(db):
    HighRiskCountry.objects.exclude(country="RU").delete()
    risk.seed()
    assert set(HighRiskCountry.objects.values_list("country", flat=True)) == {"RU"}
    HighRiskCountry.objects.all().delete()
    risk.seed()
    assert set(HighRiskCountry.objects.values_list("country", flat=True)) == {"RU", "BY"}


def test_the_seed_waits_when_the_database_is_migrated_back_before_allout_had_the_list(db):
    # post_migrate passes the migrated state: back at the old heads it has no allout list.
    old_apps = MigrationLoader(connection).project_state(OLD_HEADS).apps
    HighRiskCountry.objects.all().delete()
    risk.seed(apps=old_apps)
    assert not HighRiskCountry.objects.exists()
