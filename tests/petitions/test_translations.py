"""A petition in the visitor's language where staff translated it, else its English original
(django-modeltranslation), and the migration that made the English columns keep every text."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db.migrations.state import StateApps
from django.utils import translation

from allout.models import Campaign
from petitions.models import Petition, Target
from tests.migrations import latest, migrate_to
from tests.petitions.conftest import make_petition, make_target


@pytest.fixture
def translated(db) -> Petition:
    petition = make_petition(title="Open safe passage", summary="Sign now.", text="We urge you.")
    Petition.objects.filter(pk=petition.pk).update(
        title_ru="Откройте безопасный выезд", summary_ru="Подпишите.", text_ru="Мы призываем."
    )
    return petition


def test_a_translated_petition_is_shown_in_the_visitors_language(client, translated):
    response = client.get(f"/ru/petitions/{translated.slug}/")
    html = response.content.decode()
    assert '<h1 lang="ru">Откройте безопасный выезд</h1>' in html
    assert "Мы призываем." in html and "We urge you." not in html
    # With a link to the original, at the address that is always English.
    assert "Переведено с английского." in html  # "Translated from English."
    assert f'href="/en/petitions/{translated.slug}/" hreflang="en"' in html
    original = client.get(f"/en/petitions/{translated.slug}/").content.decode()
    assert '<h1 lang="en">Open safe passage</h1>' in original and "Мы призываем." not in original


def test_an_untranslated_petition_falls_back_to_its_original(client, db):
    petition = make_petition(title="Open safe passage", text="We urge you.")
    response = client.get(f"/petitions/{petition.slug}/", HTTP_ACCEPT_LANGUAGE="ru")
    html = response.content.decode()
    assert '<html lang="ru">' in html
    # The English text, marked as English inside the Russian page, and said to be so.
    assert '<h1 lang="en">Open safe passage</h1>' in html
    assert "We urge you." in html
    assert "Эта петиция ещё не переведена на ваш язык" in html  # said in Russian


def test_an_english_visitor_sees_no_translation_note(client, translated):
    html = client.get(f"/petitions/{translated.slug}/").content.decode()
    assert "Open safe passage" in html
    assert "translation-note" not in html


def test_the_count_json_does_not_depend_on_the_language(client, translated):
    english = client.get(f"/petitions/{translated.slug}/count.json").json()
    assert client.get(f"/ru/petitions/{translated.slug}/count.json").json() == english


def test_writing_the_original_fills_the_english_column(db):
    petition = make_petition(title="Written in English")
    petition.refresh_from_db()
    assert petition.title_en == "Written in English"
    with translation.override("ru"):
        assert petition.title == "Written in English"  # no Russian yet: the original


def test_target_roles_fall_back_to_english_too(db):
    target = make_target(make_petition(), title="UN High Commissioner for Human Rights")
    Target.objects.filter(pk=target.pk).update(title_de="UN-Hochkommissar für Menschenrechte")
    target.refresh_from_db()
    with translation.override("de"):
        assert target.title == "UN-Hochkommissar für Menschenrechte"
    with translation.override("fr"):
        assert target.title == "UN High Commissioner for Human Rights"


def test_the_admin_shows_a_field_per_language(client, staff_user, translated):
    client.force_login(staff_user)
    html = client.get(f"/admin/petitions/petition/{translated.pk}/change/").content.decode()
    for code in ("en", "ru", "pt_br", "es", "fr", "de"):
        assert f'name="title_{code}"' in html and f'name="text_{code}"' in html
    assert 'value="Откройте безопасный выезд"' in html


BEFORE = [
    ("allout", "0009_outbox_notify_and_budget"),
    ("petitions", "0003_signature_counter_shards"),
]


@pytest.fixture
def before_translations() -> Iterator[StateApps]:
    yield migrate_to(BEFORE)
    migrate_to(latest())


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_every_text_as_the_english_original(before_translations):
    apps = before_translations
    campaign = apps.get_model("allout", "Campaign").objects.create(
        name="Day of action", slug="day", date="2030-03-16", description="Protest everywhere."
    )
    OldPetition = apps.get_model("petitions", "Petition")
    petitions = [
        OldPetition.objects.create(
            slug=f"p{n}", title=f"Title {n}", summary=f"Summary {n}", text=f"Text {n}",
            author="Sphere Foundation", campaign_id=campaign.pk,
        )
        for n in range(3)
    ]  # fmt: skip
    apps.get_model("petitions", "Target").objects.create(
        petition_id=petitions[0].pk, name="Volker Türk", title="High Commissioner"
    )

    migrate_to(latest())

    assert Petition.objects.count() == 3
    for n, petition in enumerate(Petition.objects.order_by("slug")):
        assert (petition.title_en, petition.summary_en, petition.text_en) == (
            f"Title {n}",
            f"Summary {n}",
            f"Text {n}",
        )
        assert petition.title_ru is None
        with translation.override("ru"):
            assert petition.title == f"Title {n}"
    assert Target.objects.get().title_en == "High Commissioner"
    kept = Campaign.objects.get()
    assert (kept.name_en, kept.description_en) == ("Day of action", "Protest everywhere.")
