"""Demo accounts shared by every app's demo data (manage.py load_demo), and the demo
campaign's texts in the platform's six languages."""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission, User
from django.db.models import Q
from modeltranslation.utils import build_localized_fieldname

from allout.models import Campaign

# A fixed secret so the demo moderator can add it to an authenticator app once.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPDEMOSTAFFAAAAAAA"  # noqa: S105


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str


STAFF = DemoLogin("staff moderator", "moderator@example.org", "demo-moderator-2fa")
ORGANIZER = DemoLogin("organizer", "organizer@example.org", "demo-organizer")
SECOND_ORGANIZER = DemoLogin("organizer", "berlin.organizer@example.org", "demo-organizer")


def make_user(login: DemoLogin, *, staff: bool = False) -> tuple[User, bool]:
    """The demo user for `login` with a verified email; created once, never reset."""
    user, created = get_user_model().objects.get_or_create(
        username=login.email, defaults={"email": login.email, "is_staff": staff}
    )
    if created:
        user.set_password(login.password)
        user.save(update_fields=["password"])
    EmailAddress.objects.get_or_create(
        user=user, email=login.email, defaults={"verified": True, "primary": True}
    )
    if staff and not Authenticator.objects.filter(user=user, type="totp").exists():
        TOTP.activate(user, DEMO_TOTP_SECRET)
    return user, created


def moderators_group() -> Group:
    """The group whose members moderate events and petitions in the admin, and keep the
    campaigns and the high-risk countries (allout's, but the moderators' to change); without
    the power to read participant lists."""
    group, _ = Group.objects.get_or_create(name="Moderators")
    wanted = Permission.objects.filter(
        Q(content_type__app_label__in=["events", "petitions"])
        | Q(
            content_type__app_label="allout",
            content_type__model__in=["campaign", "highriskcountry"],
        )
    )
    # Names and emails of participants are not the moderators' to read: staff who need
    # them are given events.view_participants one by one.
    wanted = wanted.exclude(content_type__app_label="events", codename="view_participants")
    group.permissions.add(*wanted)
    return group


CAMPAIGN_NAMES = {
    "en": "Global day of action for LGBT+ people in Russia",
    "ru": "Всемирный день действий в поддержку ЛГБТ+ людей в России",
    "pt-br": "Dia global de ação pelas pessoas LGBT+ na Rússia",
    "es": "Día mundial de acción por las personas LGBT+ en Rusia",
    "fr": "Journée mondiale d’action pour les personnes LGBT+ en Russie",
    "de": "Weltweiter Aktionstag für LGBT+ Menschen in Russland",
}
CAMPAIGN_DESCRIPTIONS = {
    "en": (
        "All Out members around the world protest in front of Russian embassies and in "
        "city centres against the criminalisation of the LGBT+ community in Russia."
    ),
    "ru": (
        "Участники All Out по всему миру выходят на протесты у посольств России и в центрах "
        "городов против криминализации ЛГБТ+ сообщества в России."
    ),
    "pt-br": (
        "Membros da All Out em todo o mundo protestam diante das embaixadas da Rússia e nos "
        "centros das cidades contra a criminalização da comunidade LGBT+ na Rússia."
    ),
    "es": (
        "Miembros de All Out de todo el mundo protestan frente a las embajadas de Rusia y en "
        "los centros de las ciudades contra la criminalización de la comunidad LGBT+ en Rusia."
    ),
    "fr": (
        "Partout dans le monde, les membres d’All Out manifestent devant les ambassades de "
        "Russie et dans les centres-villes contre la criminalisation de la communauté LGBT+ "
        "en Russie."
    ),
    "de": (
        "All-Out-Mitglieder auf der ganzen Welt protestieren vor russischen Botschaften und in "
        "Innenstädten gegen die Kriminalisierung der LGBT+ Community in Russland."
    ),
}


def fill_campaign_translations(campaign: Campaign) -> None:
    """The campaign's name and description in each language where it has none yet (what
    staff wrote or changed stays)."""
    missing = {}
    for code, _name in settings.LANGUAGES:
        for field, value in (
            ("name", CAMPAIGN_NAMES[code]),
            ("description", CAMPAIGN_DESCRIPTIONS[code]),
        ):
            column = build_localized_fieldname(field, code)
            if not getattr(campaign, column):
                missing[column] = value
    if missing:
        Campaign.objects.filter(pk=campaign.pk).update(**missing)
        campaign.refresh_from_db(fields=list(missing))
