"""Demo data for petitions (manage.py load_demo): the Sphere Foundation's petition.

Its text is kept in petitions/data/ (the English copied from the campaign brief, with its
translations into the platform's other five languages), so the project reads nothing outside
its own tree at run time. A re-run creates what is missing and leaves what exists as staff
left it (a closed petition stays closed, edited targets stay edited, a translation staff
changed stays changed; a missing one is filled in).
"""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path
from typing import TextIO

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from modeltranslation.utils import build_localized_fieldname

from allout.addresses import canonical_email
from allout.models import Campaign
from allout.risk import is_high_risk
from petitions import services
from petitions.models import Petition, PetitionStatus, Signature, Target

DATA = Path(__file__).resolve().parent / "data"
SLUG = "safe-passage"
TITLES = {
    "en": "Open safe passage for LGBT+ people in Russia",
    "ru": "Безопасный выезд для ЛГБТ+ людей из России",
    "pt-br": "Abram uma passagem segura para pessoas LGBT+ na Rússia",
    "es": "Abran un paso seguro para las personas LGBT+ en Rusia",
    "fr": "Ouvrez un passage sûr pour les personnes LGBT+ en Russie",
    "de": "Sichere Ausreise für LGBT+ Menschen in Russland ermöglichen",
}
SUMMARIES = {
    "en": (
        "Support queer Russians by signing the Sphere Foundation's petition demanding "
        "safe passage for those in danger."
    ),
    "ru": (
        "Поддержите квир-людей из России: подпишите петицию Фонда «Сфера» с требованием "
        "безопасного выезда для тех, кто в опасности."
    ),
    "pt-br": (
        "Apoie as pessoas queer russas assinando a petição da Fundação Sphere, que exige "
        "passagem segura para quem está em perigo."
    ),
    "es": (
        "Apoya a las personas queer rusas firmando la petición de la Fundación Sphere, que "
        "exige un paso seguro para quienes están en peligro."
    ),
    "fr": (
        "Soutenez les personnes queer russes en signant la pétition de la Fondation Sphère, "
        "qui demande un passage sûr pour celles et ceux qui sont en danger."
    ),
    "de": (
        "Unterstütze queere Menschen aus Russland: Unterschreibe die Petition der Sphere "
        "Foundation, die eine sichere Ausreise für alle Gefährdeten fordert."
    ),
}


def text_in(language: str) -> str:
    """The petition's text in `language` (petitions/data/sphere-foundation-petition.<code>.md)."""
    return (DATA / f"sphere-foundation-petition.{language}.md").read_text(encoding="utf-8")


DEMO_SIGNATURES = 320
DEMO_SOURCE = "demo"

# The addressees, in the order the petition names them.
TARGETS = [
    ("Ministries of Foreign Affairs of EU member states", "", ""),
    ("Volker Türk", "UN High Commissioner for Human Rights", "United Nations"),
    ("Ursula von der Leyen", "President of the European Commission", "European Commission"),
    ("Helena Dalli", "European Commissioner for Equality", "European Commission"),
    (
        "Jutta Urpilainen",
        "European Commissioner for International Partnerships",
        "European Commission",
    ),
    (
        "Janez Lenarčič",
        "European Commissioner for Crisis Management",
        "European Civil Protection and Humanitarian Aid Operations",
    ),
]

FIRST_NAMES = [
    "Alex", "Amara", "Ana", "Andrei", "Chen", "Dani", "Elif", "Emma", "Farah", "Hugo",
    "Ines", "Jonas", "Kai", "Lea", "Lucas", "Maria", "Mateo", "Nadia", "Noor", "Olga",
    "Pavel", "Priya", "Sam", "Sofia", "Tomás", "Yuki", "Zanele", "Ivan", "Marta", "Jo",
]  # fmt: skip
LAST_NAMES = [
    "Almeida", "Berg", "Costa", "Dubois", "Eriksen", "Fischer", "García", "Hansen", "Ito",
    "Jansen", "Kowalski", "Lopez", "Müller", "Nowak", "Okafor", "Petrov", "Rossi", "Silva",
    "Tanaka", "Weber",
]  # fmt: skip
# Where demo signers come from, weighted; RU and BY show the high-risk rule at work.
COUNTRIES = [
    "DE", "DE", "DE", "FR", "FR", "GB", "GB", "NL", "ES", "IT", "PL", "SE", "FI", "BR", "US",
    "US", "CA", "IN", "ZA", "AU", "GE", "AM", "RS", "LT", "LV", "EE", "RU", "RU", "BY", "IL",
]  # fmt: skip


def load(stdout: TextIO) -> None:
    petition = load_petition()
    added = load_signatures(petition)
    count = services.recount(petition)
    stdout.write(
        f"Petition: {petition.title} ({len(TARGETS)} targets, {count} confirmed signatures,"
        f" {added} added now)"
    )


def load_petition() -> Petition:
    campaigns = Campaign.objects
    petition, created = Petition.objects.get_or_create(
        slug=SLUG,
        defaults={
            "title": TITLES[settings.LANGUAGE_CODE],
            "summary": SUMMARIES[settings.LANGUAGE_CODE],
            "text": text_in(settings.LANGUAGE_CODE),
            "author": "Sphere Foundation",
            "goal": 100_000,
            "status": PetitionStatus.OPEN,
            "campaign": campaigns.current(),
        },
    )
    fill_translations(petition)
    if not created:
        return petition
    Target.objects.bulk_create(
        Target(petition=petition, position=position, name=name, title=title, organization=org)
        for position, (name, title, org) in enumerate(TARGETS, 1)
    )
    return petition


def fill_translations(petition: Petition) -> None:
    """Title, summary and text in each language where the petition has none yet."""
    missing = {}
    for code, _name in settings.LANGUAGES:
        for field, value in (
            ("title", TITLES[code]),
            ("summary", SUMMARIES[code]),
            ("text", text_in(code)),
        ):
            column = build_localized_fieldname(field, code)
            if not getattr(petition, column):
                missing[column] = value
    if missing:
        Petition.objects.filter(pk=petition.pk).update(**missing)
        petition.refresh_from_db(fields=list(missing))


def load_signatures(petition: Petition) -> int:
    """A few hundred confirmed signatures, so the page and its counter look alive."""
    rng = random.Random(316)  # the same signers on every load
    now = timezone.now()
    signatures = []
    for number in range(DEMO_SIGNATURES):
        email = f"demo-signer-{number:04d}@example.org"
        country = rng.choice(COUNTRIES)
        signatures.append(
            Signature(
                petition=petition,
                first_name=rng.choice(FIRST_NAMES),
                last_name=rng.choice(LAST_NAMES),
                email=email,
                email_normalized=canonical_email(email),
                country=country,
                consent_campaign=rng.random() < 0.4,
                # Every third asks for the author's updates (what its key pulls); not drawn
                # from rng, so the other details stay what they were.
                consent_author=number % 3 == 0,
                consent_author_shared=number % 3 == 0,  # told so by the form, as signers are
                show_publicly=rng.random() < 0.5 and not is_high_risk(country),
                source=DEMO_SOURCE,
                confirmed_at=now - timedelta(minutes=(DEMO_SIGNATURES - number) * 53),
            )
        )
    before = Signature.objects.filter(petition=petition).count()
    Signature.objects.bulk_create(signatures, ignore_conflicts=True, batch_size=500)
    added = Signature.objects.filter(petition=petition).count() - before
    # created_at is set on insert; signers signed a few minutes before they confirmed.
    new = Signature.objects.filter(petition=petition, source=DEMO_SOURCE, created_at__gte=now)
    new.update(
        created_at=F("confirmed_at") - timedelta(minutes=4),
        last_emailed_at=F("confirmed_at") - timedelta(minutes=4),
    )
    return added
