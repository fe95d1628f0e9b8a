"""The petition's author organization arrives without losing a petition or a signature."""

import pytest

from tests.migrations import latest, migrate_to

# Migrating back and forth alters tables: outside a test transaction.
pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("petitions", "0005_signature_language")]


@pytest.fixture(autouse=True)
def _newest_schema_after_each_test():
    yield
    migrate_to(latest())


def test_existing_petitions_and_signatures_stay_with_no_author_organization():
    old = migrate_to(BEFORE)
    petition = old.get_model("petitions", "Petition").objects.create(
        slug="old", title="Old", summary="s", text="t", author="Sphere Foundation"
    )
    old.get_model("petitions", "Signature").objects.create(
        petition=petition,
        first_name="A",
        last_name="B",
        email="a@example.org",
        email_normalized="a@example.org",
        country="DE",
        consent_author=True,
    )
    new = migrate_to(latest())
    Petition = new.get_model("petitions", "Petition")
    assert list(Petition.objects.values_list("slug", "author", "author_organization")) == [
        ("old", "Sphere Foundation", None)
    ]
    assert new.get_model("petitions", "Signature").objects.filter(petition__slug="old").count() == 1
