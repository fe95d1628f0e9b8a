from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from partners.models import ApiKey, PartnerOrganization
from petitions.models import Petition, Signature

pytestmark = pytest.mark.django_db


def test_load_demo_makes_the_sphere_foundation_the_petitions_author_organization():
    call_command("load_demo", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())
    organization = PartnerOrganization.objects.get()
    assert organization.name == "Sphere Foundation"
    petition = Petition.objects.get()
    assert petition.author_organization == organization
    # Some demo signers asked for its updates, so its key has something to pull.
    assert Signature.objects.filter(petition=petition).opted_in_to_author().exists()
    # No key is made: a key is shown once, to whoever issues it.
    assert not ApiKey.objects.exists()
    moderator = get_user_model().objects.get(username="moderator@example.org")
    assert moderator.has_perm("partners.issue_apikey")


def test_load_demo_leaves_an_author_organization_staff_chose():
    call_command("load_demo", stdout=StringIO())
    other = PartnerOrganization.objects.create(
        name="Other", slug="other", contact_email="o@example.org"
    )
    Petition.objects.update(author_organization=other)
    call_command("load_demo", stdout=StringIO())
    assert Petition.objects.get().author_organization == other
