"""Demo data for petitions (manage.py load_demo): the Sphere Foundation's petition.

Its text is kept in petitions/data/ (copied from the campaign brief), so the project
reads nothing outside its own tree at run time. A re-run creates what is missing and leaves
what exists as staff left it (a closed petition stays closed, edited targets stay edited).
"""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path
from typing import TextIO

from django.db.models import F
from django.utils import timezone

from allout.addresses import canonical_email
from allout.models import Campaign
from allout.risk import is_high_risk
from petitions import services
from petitions.models import Petition, PetitionStatus, Signature, Target

TEXT_FILE = Path(__file__).resolve().parent / "data" / "sphere-foundation-petition.md"
SLUG = "safe-passage"
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
            "title": "Open safe passage for LGBT+ people in Russia",
            "summary": (
                "Support queer Russians by signing the Sphere Foundation's petition demanding "
                "safe passage for those in danger."
            ),
            "text": TEXT_FILE.read_text(encoding="utf-8"),
            "author": "Sphere Foundation",
            "goal": 100_000,
            "status": PetitionStatus.OPEN,
            "campaign": campaigns.current(),
        },
    )
    if not created:
        return petition
    Target.objects.bulk_create(
        Target(petition=petition, position=position, name=name, title=title, organization=org)
        for position, (name, title, org) in enumerate(TARGETS, 1)
    )
    return petition


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
