"""Staff issue keys (shown once, stored hashed), revoke them, and read the pulls."""

from __future__ import annotations

import hashlib
import re

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth.models import Permission
from django.db import connection

from partners.models import ApiKey, PullLog
from tests.conftest import log_in_with_two_factor, make_user
from tests.partners.conftest import bearer, make_key, pull_url

pytestmark = pytest.mark.django_db

ADD = "/admin/partners/apikey/add/"
CHANGELIST = "/admin/partners/apikey/"


def issue_in_admin(client, organization, name="Newsletter") -> str:
    response = client.post(ADD, {"organization": organization.pk, "name": name})
    assert response.status_code == 200
    match = re.search(rb'value="(aopk_[^"]+)"', response.content)
    assert match, response.content
    return match.group(1).decode()


def tables_holding(text: str) -> list[str]:
    """Every table of the database with a row whose text holds `text`."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
        tables = [row[0] for row in cursor.fetchall()]
        found = []
        for table in tables:
            cursor.execute(
                # strpos, not LIKE: a key's "_" would be a wildcard there.
                f'SELECT 1 FROM "{table}" t WHERE strpos(t::text, %s) > 0 LIMIT 1',  # noqa: S608
                [text],
            )
            if cursor.fetchone():
                found.append(table)
    return found


def staff_with(*codenames: str):
    staff = make_user("keeper@example.org", is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="partners", codename__in=codenames)
    )
    TOTP.activate(staff, "JBSWY3DPEHPK3PXPTESTKEEPERAAAAAA")
    return staff


def test_the_key_is_shown_once_and_only_its_hash_is_kept(
    client, staff_user, organization, authored_petition
):
    log_in_with_two_factor(client, staff_user)
    key = issue_in_admin(client, organization)

    api_key = ApiKey.objects.get()
    assert api_key.hashed_key == hashlib.sha256(key.encode()).hexdigest()
    assert api_key.created_by == staff_user and api_key.organization == organization
    # Not in any row of any table: the key, the admin's history, the sessions, the messages.
    assert tables_holding(key) == []
    assert tables_holding(key.split("_", 2)[2]) == []  # the secret (it may hold "_" itself)
    # Never again: not on the key's page, not in the list.
    for url in (f"{CHANGELIST}{api_key.pk}/change/", CHANGELIST):
        page = client.get(url)
        assert page.status_code == 200
        assert key.encode() not in page.content
        assert api_key.prefix.encode() in page.content
    # And it works.
    assert client.get(pull_url(authored_petition), **bearer(key)).status_code == 200


def test_the_page_that_shows_the_key_is_kept_by_no_cache(client, staff_user, organization):
    log_in_with_two_factor(client, staff_user)
    response = client.post(ADD, {"organization": organization.pk, "name": "Sync"})
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives


def test_issuing_is_in_the_admins_history(client, staff_user, organization):
    log_in_with_two_factor(client, staff_user)
    issue_in_admin(client, organization)
    api_key = ApiKey.objects.get()
    entry = LogEntry.objects.get(object_id=str(api_key.pk), action_flag=ADDITION)
    assert entry.user == staff_user


def test_issuing_takes_the_permission_that_names_it(client, organization):
    staff = staff_with("add_apikey", "view_apikey", "change_apikey")
    log_in_with_two_factor(client, staff)
    assert client.get(ADD).status_code == 403
    assert client.post(ADD, {"organization": organization.pk, "name": "x"}).status_code == 403
    assert not ApiKey.objects.exists()


def test_issuing_takes_a_second_factor_in_this_session(client, organization):
    staff = staff_with("issue_apikey", "view_apikey")
    client.force_login(staff)  # password only
    assert client.post(ADD, {"organization": organization.pk, "name": "x"}).status_code == 403
    assert not ApiKey.objects.exists()
    log_in_with_two_factor(client, staff)
    issue_in_admin(client, organization)
    assert ApiKey.objects.count() == 1


def test_revoking_in_the_admin_closes_the_key_at_once_and_is_logged(
    client, staff_user, issued, authored_petition
):
    api_key, key = issued
    log_in_with_two_factor(client, staff_user)
    response = client.post(
        CHANGELIST, {"action": "revoke", "_selected_action": [api_key.pk]}, follow=True
    )
    assert b"1 key revoked." in response.content
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None and api_key.revoked_by == staff_user
    entry = LogEntry.objects.get(object_id=str(api_key.pk), action_flag=CHANGE)
    assert entry.user == staff_user and "Revoked" in entry.get_change_message()
    assert client.get(pull_url(authored_petition), **bearer(key)).status_code == 401


def test_staff_without_the_permission_cannot_revoke(client, issued):
    api_key, _ = issued
    staff = staff_with("view_apikey", "change_apikey")
    log_in_with_two_factor(client, staff)
    client.post(CHANGELIST, {"action": "revoke", "_selected_action": [api_key.pk]})
    api_key.refresh_from_db()
    assert api_key.revoked_at is None


def test_an_issued_key_cannot_be_edited_or_deleted(client, staff_user, issued):
    api_key, _ = issued
    log_in_with_two_factor(client, staff_user)
    client.post(
        f"{CHANGELIST}{api_key.pk}/change/", {"organization": api_key.organization_id, "name": "y"}
    )
    api_key.refresh_from_db()
    assert api_key.name == "CRM sync"
    assert client.post(f"{CHANGELIST}{api_key.pk}/delete/", {"post": "yes"}).status_code == 403
    assert ApiKey.objects.filter(pk=api_key.pk).exists()


def test_the_pull_log_is_read_only_in_the_admin(client, staff_user, issued, authored_petition):
    _, key = issued
    client.get(pull_url(authored_petition), **bearer(key))
    pull = PullLog.objects.get()
    log_in_with_two_factor(client, staff_user)
    listing = client.get("/admin/partners/pulllog/")
    assert listing.status_code == 200 and authored_petition.slug.encode() in listing.content
    page = client.get(f"/admin/partners/pulllog/{pull.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert client.get("/admin/partners/pulllog/add/").status_code == 403
    assert client.post(f"/admin/partners/pulllog/{pull.pk}/delete/").status_code == 403


def test_staff_set_a_petitions_author_organization(client, staff_user, organization):
    from tests.petitions.conftest import make_petition

    petition = make_petition()
    log_in_with_two_factor(client, staff_user)
    page = client.get(f"/admin/petitions/petition/{petition.pk}/change/")
    assert b'name="author_organization"' in page.content
    assert organization.name.encode() in page.content


def test_an_organization_lists_its_keys_without_them(client, staff_user, issued):
    api_key, key = issued
    make_key(api_key.organization)
    log_in_with_two_factor(client, staff_user)
    page = client.get(f"/admin/partners/partnerorganization/{api_key.organization_id}/change/")
    assert page.status_code == 200
    assert api_key.prefix.encode() in page.content and key.encode() not in page.content
