"""A moderator reads another organizer's participant list only after their TOTP code."""

from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from allout import demo
from events.models import StaffAccess
from tests.conftest import make_user
from tests.e2e.test_event_journey import PASSWORD, log_in, totp_code
from tests.events.factories import make_attendance, make_event

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SECRET = "JBSWY3DPEHPK3PXPSTAFFBROWSERAAAA"


@pytest.fixture
def event(db):
    organizer = make_user("organizer@example.org", password=PASSWORD)
    event = make_event(organizer=organizer, title="Vigil by the river")
    make_attendance(event, first_name="Masha", email="masha@example.org", status="confirmed")
    return event


def test_staff_without_two_factor_find_no_participant_list(live_server, page, event):
    staff = make_user("staff@example.org", password=PASSWORD, is_staff=True, is_superuser=True)
    log_in(page, live_server.url, staff.email)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    response = page.goto(f"{live_server.url}/events/mine/{event.slug}/")
    assert response is not None and response.status == 404
    expect(page.get_by_text("masha@example.org")).to_have_count(0)
    assert not StaffAccess.objects.exists()


def test_a_moderator_sees_the_participant_list_only_after_the_totp_code(live_server, page, event):
    moderator = make_user("moderator@example.org", password=PASSWORD, is_staff=True)
    moderator.groups.add(demo.moderators_group())
    moderator.user_permissions.add(Permission.objects.get(codename="view_participants"))
    TOTP.activate(moderator, SECRET)
    dashboard = f"{live_server.url}/events/mine/{event.slug}/"

    # The password alone: allauth asks for the code, and the list stays closed.
    log_in(page, live_server.url, "moderator@example.org")
    expect(page.locator("input[name=code]")).to_be_visible()
    page.goto(dashboard)  # sent to log in, which still waits for the code
    expect(page.locator("input[name=code]")).to_be_visible()
    expect(page.get_by_text("masha@example.org")).to_have_count(0)
    assert not StaffAccess.objects.exists()

    page.locator("input[name=code]").fill(totp_code(SECRET))
    page.get_by_role("button", name="Sign In").click()
    expect(page.locator("input[name=code]")).to_have_count(0)
    page.goto(dashboard)
    expect(page.get_by_role("cell", name="masha@example.org")).to_be_visible()
    expect(page.get_by_text("You are seeing another organizer's event as staff.")).to_be_visible()
    (access,) = StaffAccess.objects.all()
    assert (access.actor, access.event, access.what) == (moderator, event, "participants")
