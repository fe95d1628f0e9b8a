import re
from datetime import timedelta

import time_machine
from django.core.management import call_command
from django.utils import timezone

from allout import mail, privacy
from allout.models import Campaign
from tests.conftest import make_user
from tests.outbox import rendered


def test_home_shows_the_day_and_the_three_calls_to_action(client, db):
    Campaign.objects.create(name="Day of action", slug="doa", date="2099-03-16")
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Day of action" in html and "16 March 2099" in html
    for href in ('href="/events/"', 'href="/events/new/"', 'href="/petitions/"'):
        assert href in html
    assert "Find a protest near you" in html and "Organize a protest" in html


def test_home_works_before_any_campaign_exists(client, db):
    assert client.get("/").status_code == 200


def test_pages_load_nothing_from_other_sites(client, db):
    """Safety rule: no third-party scripts, fonts, trackers or CDNs."""
    for path in ["/", "/privacy/", "/accounts/login/", "/accounts/signup/"]:
        html = client.get(path).content.decode()
        # The hreflang alternates name this site's own pages in full; browsers load none.
        loaded = re.sub(r'<link rel="alternate" hreflang="[^"]+" href="[^"]+">', "", html)
        sources = re.findall(r'<(?:script|link|img|iframe)[^>]+(?:src|href)="([^"]+)"', loaded)
        assert sources, path
        assert all(src.startswith("/") for src in sources), (path, sources)
        assert "<script>" not in html and " style=" not in html, path


def test_pages_send_a_content_security_policy_that_forbids_other_sites(client, db):
    csp = client.get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "default-src 'self'" in csp


def test_account_pages_share_the_site_look(client, db):
    html = client.get("/accounts/login/").content.decode()
    assert 'class="site-header"' in html and "Sign the petition" in html
    assert re.search(r'<label for="id_login"', html)


def test_healthz_answers_ok_when_database_and_broker_answer(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok"}


def test_healthz_names_a_broker_that_does_not_answer(client, db, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "broker": "unavailable"}


def test_the_data_link_shows_exports_and_deletes_what_is_held(client, db):
    mail.queue("test_message", "Reader@Example.org", {})
    url = privacy.data_request_url("reader@example.org")
    path = url.removeprefix("http://127.0.0.1:8000")
    page = client.get(path)
    assert page.status_code == 200 and b"reader@example.org" in page.content
    export = client.post(path, {"action": "export"})
    assert export.json()["data"]["emails"][0]["subject"].startswith("Test message")
    assert rendered().exists()  # GET and export change nothing
    client.post(path, {"action": "delete", "confirmed": "yes"})
    assert not rendered().exists()


def test_a_forged_data_link_is_a_404(client, db):
    assert client.get("/my-data/not-a-real-token/").status_code == 404


def test_an_unknown_data_action_is_a_400(client, db):
    path = privacy.data_request_url("reader@example.org").removeprefix("http://127.0.0.1:8000")
    assert client.post(path, {"action": "explode"}).status_code == 400


def test_staff_without_two_factor_are_sent_to_set_it_up(client, db):
    staff = make_user("new-staff@example.org", is_staff=True)
    client.force_login(staff)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"


def test_staff_with_two_factor_reach_the_admin(client, staff_user):
    client.force_login(staff_user)
    assert client.get("/admin/").status_code == 200


def test_load_demo_is_idempotent(db):
    from django.contrib.auth import get_user_model

    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    counts = (get_user_model().objects.count(), Campaign.objects.count())
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert (get_user_model().objects.count(), Campaign.objects.count()) == counts
    assert get_user_model().objects.filter(is_staff=True).exists()


def test_only_the_admin_may_run_inline_scripts(client, staff_user):
    assert "unsafe-inline" not in client.get("/")["Content-Security-Policy"]
    client.force_login(staff_user)
    csp = client.get("/admin/")["Content-Security-Policy"]
    assert "script-src 'self' 'unsafe-inline'" in csp
    assert "frame-ancestors 'none'" in csp


def test_staff_see_the_outbox_read_only(client, staff_user):
    mail.queue("test_message", "reader@example.org", {})
    client.force_login(staff_user)
    page = client.get("/admin/allout/outboxemail/")
    assert page.status_code == 200 and b"reader@example.org" in page.content
    assert client.get("/admin/allout/outboxemail/add/").status_code == 403


def test_a_data_link_does_not_show_the_address_it_was_made_for(db):
    import base64

    url = privacy.data_request_url("reader@example.org")
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert "reader" not in url
    assert b"reader" not in base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    assert privacy.email_from_data_token(token, max_age_days=1) == "reader@example.org"


# --- Data links expire after 30 days (issue 10, section 6) ---------------------------------
def data_path(email: str) -> str:
    return privacy.data_request_url(email).removeprefix("http://127.0.0.1:8000")


def test_a_data_link_works_for_30_days_and_then_no_longer(client, db):
    path = data_path("reader@example.org")
    with time_machine.travel(timezone.now() + timedelta(days=30)):
        assert client.get(path).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert client.get(path).status_code == 404
    with time_machine.travel(timezone.now() + timedelta(days=364)):
        assert client.get(path).status_code == 404


def test_a_new_email_brings_a_new_data_link_that_works(client, db):
    old = data_path("reader@example.org")
    with time_machine.travel(timezone.now() + timedelta(days=40)):
        mail.queue("test_message", "reader@example.org", {})
        new = data_path("reader@example.org")
        assert new != old and new in rendered().get().body_text
        assert client.get(new).status_code == 200
        assert client.get(old).status_code == 404


def test_the_data_link_lifetime_is_a_setting(client, db, settings):
    settings.DATA_LINK_MAX_AGE_DAYS = 7
    path = data_path("reader@example.org")
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        assert client.get(path).status_code == 404


# --- Permissions-Policy (issue 10, section 8) ------------------------------------------------
def test_every_response_allows_geolocation_for_the_site_alone_and_nothing_else(client, db):
    for path in ["/", "/events/", "/static/js/finder.js", "/healthz", "/no-such-page/"]:
        policy = client.get(path)["Permissions-Policy"]
        features = dict(item.strip().split("=") for item in policy.split(","))
        assert features.pop("geolocation") == "(self)", path
        assert {"camera", "microphone", "payment", "usb"} <= features.keys()
        assert set(features.values()) == {"()"}, path
