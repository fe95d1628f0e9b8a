from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

from allout.models import Campaign
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


def test_load_demo_gives_the_petition_and_campaign_in_six_languages():
    call_command("load_demo", stdout=StringIO())
    petition = Petition.objects.get()
    texts = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            texts[code] = (petition.title, petition.summary, petition.text)
            campaign = Campaign.objects.current()
            assert campaign is not None and campaign.name and campaign.description
    assert len({title for title, _, _ in texts.values()}) == 6  # six distinct titles
    assert "визы" in texts["ru"][2] or "виз " in texts["ru"][2]
    assert "vistos" in texts["pt-br"][2] and "visados" in texts["es"][2]
    assert "visas" in texts["fr"][2] and "Visa" in texts["de"][2]


def test_load_demo_leaves_a_translation_staff_changed(db):
    call_command("load_demo", stdout=StringIO())
    Petition.objects.update(title_fr="Titre revu par l’équipe", text_de="")
    call_command("load_demo", stdout=StringIO())
    petition = Petition.objects.get()
    assert petition.title_fr == "Titre revu par l’équipe"
    assert "Visa" in petition.text_de  # an empty one is filled in again
