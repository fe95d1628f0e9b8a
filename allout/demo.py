"""Demo accounts shared by every app's demo data (manage.py load_demo)."""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission, User
from django.db.models import Q

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
