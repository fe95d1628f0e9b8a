"""Staff moderate events in the Django admin: the queue, warning signs, actions and the log."""

from __future__ import annotations

import datetime
import re

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.models import Group, Permission
from django.contrib.gis.geos import Point
from django.utils import timezone

from allout.models import HighRiskCountry
from events import emails, errors
from events.models import Event, EventReport, ModerationAction
from events.services import moderation
from tests.conftest import make_user
from tests.events.factories import local, make_event
from tests.outbox import rendered

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/events/event/"


@pytest.fixture
def moderator_client(client, staff_user):
    client.force_login(staff_user)
    return client


def old_account(email: str):
    user = make_user(email)
    user.date_joined = timezone.now() - datetime.timedelta(days=30)
    user.save(update_fields=["date_joined"])
    return user


def rows(html: str) -> list[str]:
    """Titles in the change list, in order."""
    return re.findall(r'<th class="field-title"><a href="[^"]+">([^<]+)</a>', html)


def test_the_queue_opens_on_pending_events_oldest_first(moderator_client, campaign, organizer):
    for title, age in [("Recent", 1), ("Oldest", 30), ("Middle", 10)]:
        event = make_event(
            campaign=campaign, organizer=organizer, title=title, status=Event.Status.PENDING
        )
        Event.objects.filter(pk=event.pk).update(
            created_at=timezone.now() - datetime.timedelta(days=age)
        )
    make_event(campaign=campaign, organizer=organizer, title="Already approved")

    assert rows(moderator_client.get(CHANGELIST).content.decode()) == [
        "Oldest",
        "Middle",
        "Recent",
    ]
    everything = rows(moderator_client.get(CHANGELIST, {"status": "all"}).content.decode())
    assert len(everything) == 4
    assert rows(moderator_client.get(CHANGELIST, {"status": "approved"}).content.decode()) == [
        "Already approved"
    ]


def test_the_queue_can_be_searched_by_title_city_and_organizer_email(
    moderator_client, campaign, organizer
):
    make_event(campaign=campaign, organizer=organizer, title="Vigil", status=Event.Status.PENDING)
    other = make_user("someone.else@example.org")
    make_event(
        campaign=campaign,
        organizer=other,
        title="March",
        place="new-york",
        status=Event.Status.PENDING,
    )
    for query, expected in [
        ("vigil", ["Vigil"]),
        ("new york", ["March"]),
        ("someone.else", ["March"]),
    ]:
        html = moderator_client.get(CHANGELIST, {"q": query}).content.decode()
        assert rows(html) == expected, query


def test_warning_signs_name_what_moderators_should_check(moderator_client, campaign, high_risk):
    veteran = old_account("veteran@example.org")
    for number in range(3):
        make_event(
            campaign=campaign,
            organizer=veteran,
            title=f"Veteran {number}",
            place="new-delhi",
            status="approved",
        )
    newcomer = make_user("newcomer@example.org")
    make_event(
        campaign=campaign, organizer=newcomer, title="Newcomer", place="sao-paulo", status="pending"
    )

    quiet = old_account("quiet@example.org")
    make_event(campaign=campaign, organizer=quiet, title="Trafalgar", status="pending")
    # 300 m away on the same local day: a duplicate, or a counter-protest.
    make_event(
        campaign=campaign,
        organizer=old_account("near@example.org"),
        title="Near Trafalgar",
        point=Point(-0.1283, 51.5112, srid=4326),
        status="pending",
    )
    # Same spot on another day: no warning.
    make_event(
        campaign=campaign,
        organizer=old_account("later@example.org"),
        title="Another day",
        place="new-york",
        starts_at=local(campaign.date + datetime.timedelta(days=1), "14:00", "America/New_York"),
        ends_at=local(campaign.date + datetime.timedelta(days=1), "16:00", "America/New_York"),
        status="pending",
    )
    make_event(
        campaign=campaign,
        organizer=old_account("nyc@example.org"),
        title="New York",
        place="new-york",
        status="pending",
    )
    make_event(
        campaign=campaign,
        organizer=old_account("brave@example.org"),
        title="Moscow",
        place="moscow",
    )

    admin = moderator_client.get(CHANGELIST, {"status": "all"}).context["cl"].model_admin
    signs = {
        event.title: admin.warning_signs_of(event)
        for event in admin.get_queryset(None).order_by("created_at")
    }
    assert signs["Newcomer"] == ["new account (0 days old)"]
    assert signs["Veteran 0"] == [
        "organizer has 3 events",
        "another event within 500 m that day",  # their own other two
    ]
    assert signs["Trafalgar"] == ["another event within 500 m that day"]
    assert signs["Near Trafalgar"] == ["another event within 500 m that day"]
    assert signs["New York"] == signs["Another day"] == []
    assert signs["Moscow"] == ["high-risk country"]


def test_the_queue_takes_the_same_queries_however_long_it_is(
    moderator_client, campaign, organizer, django_assert_num_queries
):
    make_event(campaign=campaign, organizer=make_user("first@example.org"), status="pending")
    moderator_client.get(CHANGELIST)  # warms the per-process caches (SRID, high-risk list)
    # session, user, two-factor check, two filters (campaigns, countries), two counts and
    # the page of events with its warning signs
    with django_assert_num_queries(8):
        assert moderator_client.get(CHANGELIST).status_code == 200
    for number in range(10):
        make_event(
            campaign=campaign, organizer=make_user(f"more{number}@example.org"), status="pending"
        )
    with django_assert_num_queries(8):
        assert moderator_client.get(CHANGELIST).status_code == 200


def test_approving_selected_events_publishes_them_logs_it_and_emails_the_link(
    moderator_client, campaign, organizer, staff_user
):
    first = make_event(campaign=campaign, organizer=organizer, slug="first", status="pending")
    second = make_event(campaign=campaign, organizer=organizer, slug="second", status="pending")

    response = moderator_client.post(
        CHANGELIST,
        {"action": "approve_selected", "_selected_action": [first.pk, second.pk]},
        follow=True,
    )

    assert "Approved 2 events; the organizers were emailed" in response.content.decode()
    for event in (first, second):
        event.refresh_from_db()
        assert event.status == Event.Status.APPROVED and event.approved_at is not None
        (log,) = event.moderation_actions.all()
        assert (log.actor, log.action, log.reason) == (staff_user, "approve", "")
    approved = rendered().filter(kind="event_approved").order_by("pk")
    assert [row.to for row in approved] == ["organizer@example.org"] * 2
    assert "http://127.0.0.1:8000/events/first/" in approved[0].body_text
    assert 'href="http://127.0.0.1:8000/events/first/"' in approved[0].body_html


def test_rejecting_asks_for_a_reason_that_reaches_the_organizer(
    moderator_client, campaign, organizer, staff_user
):
    event = make_event(campaign=campaign, organizer=organizer, slug="doubtful", status="pending")

    page = moderator_client.post(
        CHANGELIST, {"action": "reject_selected", "_selected_action": [event.pk]}
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert "Reject events" in html and 'name="reason"' in html and "Solidarity protest" in html
    assert Event.objects.get().status == Event.Status.PENDING  # nothing happens yet

    url = "/admin/events/event/moderate/reject/"
    without = moderator_client.post(url, {"ids": [event.pk], "reason": "  "})
    assert without.status_code == 200 and "This field is required." in without.content.decode()
    assert not ModerationAction.objects.exists()

    reason = "The meeting point is a private courtyard. Please choose a public square."
    response = moderator_client.post(url, {"ids": [event.pk], "reason": reason}, follow=True)
    assert "Rejected 1 event; its organizer got your reason" in response.content.decode()
    event.refresh_from_db()
    assert event.status == Event.Status.REJECTED
    (log,) = ModerationAction.objects.all()
    assert (log.event, log.actor, log.action, log.reason) == (event, staff_user, "reject", reason)
    row = rendered().get(kind="event_rejected")
    assert row.to == "organizer@example.org"
    assert reason in row.body_text and reason in row.body_html
    assert row.subject == "Your event was not approved: Solidarity protest"


def test_unpublishing_takes_an_event_back_into_the_queue(
    moderator_client, campaign, organizer, staff_user
):
    event = make_event(campaign=campaign, organizer=organizer, slug="live")
    page = moderator_client.post(
        f"{CHANGELIST}?status=approved",
        {"action": "unpublish_selected", "_selected_action": [event.pk]},
    )
    assert "Unpublish events" in page.content.decode()
    moderator_client.post(
        "/admin/events/event/moderate/unpublish/", {"ids": [event.pk], "reason": ""}
    )
    event.refresh_from_db()
    assert event.status == Event.Status.PENDING
    assert ModerationAction.objects.get().action == "unpublish"
    assert rendered().get().kind == "event_unpublished"
    assert moderator_client.logout() is None
    assert moderator_client.get("/events/live/").status_code == 404


def test_one_event_is_moderated_from_its_own_page(moderator_client, campaign, organizer):
    event = make_event(campaign=campaign, organizer=organizer, slug="one", status="pending")
    change_url = f"/admin/events/event/{event.pk}/change/"
    html = moderator_client.get(change_url).content.decode()
    assert 'action="/admin/events/event/moderate/approve/"' in html
    assert f'href="/admin/events/event/moderate/reject/?ids={event.pk}&amp;next=' in html
    assert "Warning signs" in html

    response = moderator_client.post(
        "/admin/events/event/moderate/approve/", {"ids": [event.pk], "next": change_url}
    )
    assert response.status_code == 302 and response["Location"] == change_url
    html = moderator_client.get(change_url).content.decode()
    assert "moderation log" in html.lower() and "Approved" in html
    assert 'href="/admin/events/event/moderate/unpublish/' in html


def test_the_event_page_in_admin_has_a_map_allowed_by_the_csp_nonce(
    moderator_client, campaign, organizer
):
    event = make_event(campaign=campaign, organizer=organizer, status="pending")
    response = moderator_client.get(f"/admin/events/event/{event.pk}/change/")
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    html = response.content.decode()
    assert f'<script nonce="{nonce}">' in html
    assert 'id="id_point"' in html and "leaflet/leaflet.js" in html


def test_the_public_pages_keep_a_csp_without_nonces(client, campaign, organizer):
    make_event(campaign=campaign, organizer=organizer, slug="open")
    assert "nonce" not in client.get("/events/open/")["Content-Security-Policy"]


def test_approving_an_approved_event_is_refused_and_not_logged(
    moderator_client, campaign, organizer
):
    event = make_event(campaign=campaign, organizer=organizer)
    response = moderator_client.post(
        "/admin/events/event/moderate/approve/", {"ids": [event.pk]}, follow=True
    )
    assert "is approved: it cannot be approved" in response.content.decode()
    assert not ModerationAction.objects.exists() and not rendered().exists()


def test_staff_without_the_moderation_permission_cannot_moderate(client, campaign, organizer):
    viewer = make_user("viewer@example.org", is_staff=True)
    TOTP.activate(viewer, "JBSWY3DPEHPK3PXPVIEWERAAAAAAAAAA")
    viewer.user_permissions.add(Permission.objects.get(codename="view_event"))
    event = make_event(campaign=campaign, organizer=organizer, status="pending")
    client.force_login(viewer)

    html = client.get(CHANGELIST).content.decode()
    assert "Solidarity protest" in html and "approve_selected" not in html
    response = client.post("/admin/events/event/moderate/approve/", {"ids": [event.pk]})
    assert response.status_code == 403
    with pytest.raises(errors.NotAllowed):
        moderation.approve_event(event, viewer)
    assert Event.objects.get().status == Event.Status.PENDING


def test_events_are_not_added_in_the_admin(moderator_client):
    assert moderator_client.get("/admin/events/event/add/").status_code == 403


def test_new_events_are_announced_to_every_moderator_and_nobody_else(campaign, organizer):
    moderators = Group.objects.create(name="Moderators")
    moderators.permissions.add(Permission.objects.get(codename="moderate_event"))
    make_user("group.moderator@example.org", is_staff=True).groups.add(moderators)
    direct = make_user("direct@example.org", is_staff=True)
    direct.user_permissions.add(Permission.objects.get(codename="moderate_event"))
    make_user("boss@example.org", is_staff=True, is_superuser=True)
    make_user("gone@example.org", is_staff=True, is_superuser=True, is_active=False)
    make_user("other.staff@example.org", is_staff=True)
    make_user("not.staff@example.org").groups.add(moderators)

    assert emails.moderator_emails() == [
        "boss@example.org",
        "direct@example.org",
        "group.moderator@example.org",
    ]
    emails.events_to_moderate(
        [make_event(campaign=campaign, organizer=organizer, status="pending")]
    )
    row = rendered().filter(to="boss@example.org").get()
    assert "/admin/events/event/" in row.body_text


def test_the_report_queue_opens_on_open_reports_and_closes_them(
    moderator_client, campaign, organizer, staff_user
):
    event = make_event(campaign=campaign, organizer=organizer)
    first = EventReport.objects.create(event=event, reason="fake", text="A trap?")
    second = EventReport.objects.create(event=event, reason="other", text="Wrong day")
    EventReport.objects.create(event=event, reason="other", text="Old", status="dismissed")

    html = moderator_client.get("/admin/events/eventreport/").content.decode()
    assert "A trap?" in html and "Wrong day" in html and "Old" not in html

    moderator_client.post(
        "/admin/events/eventreport/",
        {"action": "resolve_selected", "_selected_action": [first.pk]},
    )
    moderator_client.post(
        "/admin/events/eventreport/",
        {"action": "dismiss_selected", "_selected_action": [second.pk]},
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.handled_by) == ("resolved", staff_user)
    assert (second.status, second.handled_by) == ("dismissed", staff_user)
    assert first.handled_at is not None
    assert "A trap?" not in moderator_client.get("/admin/events/eventreport/").content.decode()


def test_the_embassy_directory_is_kept_with_a_map(moderator_client, embassy):
    response = moderator_client.get(f"/admin/events/embassy/{embassy.pk}/change/")
    assert response.status_code == 200
    assert 'id="id_point"' in response.content.decode()
    assert "'nonce-" in response["Content-Security-Policy"]


def test_staff_keep_the_high_risk_list_and_the_form_follows(moderator_client, campaign):
    HighRiskCountry.objects.all().delete()  # the seed (RU, BY), to start from an empty list
    response = moderator_client.post(
        "/admin/allout/highriskcountry/add/", {"country": "BY", "note": "Repression"}
    )
    assert response.status_code == 302
    assert HighRiskCountry.objects.get().country.code == "BY"
    from allout.risk import high_risk_countries as high_risk_country_codes

    assert high_risk_country_codes() == frozenset({"BY"})
    HighRiskCountry.objects.all().delete()
    assert high_risk_country_codes() == frozenset()


def test_russia_and_belarus_are_high_risk_from_the_start(db):
    from allout.risk import high_risk_countries as high_risk_country_codes

    assert high_risk_country_codes() == frozenset({"RU", "BY"})


@pytest.mark.parametrize("bad_id", ["²", "9" * 30, "x"])
def test_a_malformed_event_id_in_the_moderation_form_is_not_an_error(moderator_client, bad_id):
    response = moderator_client.get("/admin/events/event/moderate/approve/", {"ids": bad_id})
    assert response.status_code == 302  # back to the queue: "No events were selected."
