"""Demo data for partners (manage.py load_demo): the Sphere Foundation, author of the demo
petition, so its key can pull the demo signers who asked for its updates.

No key is issued here: a key is shown once, to the staff member who issues it in the admin.
The demo moderator may issue one (the "Partner managers" group).
"""

from __future__ import annotations

from typing import TextIO

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from allout import demo as accounts
from partners.models import PartnerOrganization
from petitions import demo as petitions_demo
from petitions.models import Petition

SLUG = "sphere-foundation"


def load(stdout: TextIO) -> None:
    organization, _ = PartnerOrganization.objects.get_or_create(
        slug=SLUG,
        defaults={
            "name": "Sphere Foundation",
            "contact_email": "partners@sphere.example.org",
            "notes": "Author of the safe-passage petition (demo).",
        },
    )
    # Only where staff have not picked an author organization themselves.
    Petition.objects.filter(slug=petitions_demo.SLUG, author_organization__isnull=True).update(
        author_organization=organization
    )
    group = partner_managers_group()
    staff = get_user_model().objects.filter(username=accounts.STAFF.email).first()
    if staff is not None:
        staff.groups.add(group)
    stdout.write(f"Partners: {organization.name}, author of the petition {petitions_demo.SLUG}")


def partner_managers_group() -> Group:
    """The staff who keep partner organizations, issue and revoke their keys, read pulls."""
    group, _ = Group.objects.get_or_create(name="Partner managers")
    group.permissions.add(*Permission.objects.filter(content_type__app_label="partners"))
    return group
