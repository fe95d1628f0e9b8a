from io import StringIO

import pytest
from django.core.management import call_command

from petitions.models import Petition, Signature

pytestmark = pytest.mark.django_db


def test_load_demo_creates_the_sphere_foundation_petition_once():
    call_command("load_demo", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())
    petition = Petition.objects.get()
    assert petition.author == "Sphere Foundation" and petition.goal == 100_000
    assert petition.is_open() and petition.campaign is not None
    assert "obtain visas or other travel documents" in petition.text
    assert [target.name for target in petition.targets.all()] == [
        "Ministries of Foreign Affairs of EU member states",
        "Volker Türk",
        "Ursula von der Leyen",
        "Helena Dalli",
        "Jutta Urpilainen",
        "Janez Lenarčič",
    ]
    confirmed = Signature.objects.confirmed().filter(petition=petition)
    assert 200 <= confirmed.count() == petition.signature_count
    assert confirmed.public().exists()
    assert not confirmed.filter(country__in=["RU", "BY"], show_publicly=True).exists()
