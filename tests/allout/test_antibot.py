"""Anti-automation on every public form (allout/antibot.py): the honeypot, the minimum fill
time, ALTCHA's proof of work with its no-JavaScript allowance, and the embed's token.

The rest of the suite runs with these off (tests/testenv.py); here they are on.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import altcha
import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client, RequestFactory
from django.urls import reverse

from allout import antibot
from allout.models import OutboxEmail
from events.models import Attendance, Event, EventReport, ProtestAlert
from petitions.models import Signature
from petitions.views import embed_token
from tests.conftest import make_user
from tests.events.factories import form_data, make_campaign, make_event, make_organizer
from tests.petitions.conftest import embed_form, make_petition, sign_form

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-pass-123"
REFUSED_SOLUTION = "The check that you are not a robot failed"
NOJS_LIMITED = "Too many forms were sent from your network without JavaScript"


@pytest.fixture(autouse=True)
def _antibot_on(settings) -> None:
    settings.FORM_TRAPS_ENABLED = True
    settings.FORM_MIN_FILL_SECONDS = 3
    settings.ALTCHA_ENABLED = False  # on in the tests that are about it
    settings.ALTCHA_MAX_NUMBER = 10  # a solution in a few milliseconds
    settings.ALTCHA_COST = 1
    settings.ALTCHA_NOJS_LIMIT = 3


@dataclass
class Case:
    """One public form: where it posts, what a person sends, what they see afterwards."""

    url: str
    data: dict[str, str]
    succeeded: Callable[[Any], bool]
    client: Client = field(default_factory=Client)


def _redirects_to(path: str) -> Callable[[Any], bool]:
    return lambda response: response.status_code == 302 and response["Location"] == path


def signup() -> Case:
    data = {"email": "new@example.org", "password1": PASSWORD, "password2": PASSWORD}
    return Case(
        "/accounts/signup/", data, _redirects_to(reverse("account_email_verification_sent"))
    )


def password_reset() -> Case:
    make_user("member@example.org")
    data = {"email": "member@example.org"}
    done = reverse("account_reset_password_done")
    return Case("/accounts/password/reset/", data, _redirects_to(done))


def petition_page() -> Case:
    petition = make_petition()
    check_email = reverse("petitions:check_email", args=[petition.slug])
    return Case(f"/petitions/{petition.slug}/sign/", sign_form(), _redirects_to(check_email))


def petition_embed() -> Case:
    petition = make_petition()
    return Case(
        f"/petitions/{petition.slug}/embed/",
        embed_form(petition),
        lambda r: r.status_code == 200 and "Check your email" in r.content.decode(),
    )


def rsvp() -> Case:
    event = make_event()
    data = {"first_name": "Ann", "email": "ann@example.org"}
    return Case(
        f"/events/{event.slug}/rsvp/", data, _redirects_to(f"/events/{event.slug}/rsvp/sent/")
    )


def contact() -> Case:
    event = make_event()
    data = {"name": "Ann", "email": "ann@example.org", "message": "Can I bring my dog?"}
    sent = reverse("events:contact_sent", args=[event.slug])
    return Case(f"/events/{event.slug}/contact/", data, _redirects_to(sent))


def abuse_report() -> Case:
    event = make_event()
    data = {"reason": EventReport.Reason.choices[0][0], "text": "Looks fake."}
    return Case(f"/events/{event.slug}/report/", data, _redirects_to(event.get_absolute_url()))


def event_registration() -> Case:
    make_campaign()
    client = Client()
    client.force_login(make_organizer())
    succeeded = lambda r: r.status_code == 302 and r["Location"].startswith("/events/")  # noqa: E731
    return Case("/events/new/", form_data(), succeeded, client)


def protest_alert() -> Case:
    make_campaign()
    data = {"place": "Lisbon", "radius_km": "50", "first_name": "Ana", "email": "ana@example.org"}
    return Case("/events/alerts/", data, _redirects_to(reverse("events:alert_sent")))


FORMS = [
    signup,
    password_reset,
    petition_page,
    petition_embed,
    rsvp,
    contact,
    abuse_report,
    event_registration,
    protest_alert,
]
every_form = pytest.mark.parametrize("make_case", FORMS, ids=lambda f: f.__name__)


def footprint() -> tuple[int, ...]:
    """Every row a public form can leave: accounts, signatures, RSVPs, reports, events,
    alerts, emails."""
    models: list[Any] = [
        get_user_model(),
        Signature,
        Attendance,
        EventReport,
        Event,
        ProtestAlert,
        OutboxEmail,
    ]
    return tuple(model.objects.count() for model in models)


def filled_in(data: dict[str, str], *, seconds_ago: float = 10, **extra: str) -> dict[str, str]:
    """The form as a person sends it, `seconds_ago` after the page was rendered."""
    return {antibot.STARTED_NAME: antibot.started_token(time.time() - seconds_ago), **data, **extra}


def solved() -> str:
    """A browser's answer: a challenge from the endpoint, solved."""
    challenge = altcha.Challenge.from_dict(Client().get("/altcha/challenge/").json())
    solution = altcha.solve_challenge(challenge)
    assert solution is not None
    return altcha.Payload(challenge, solution).to_base64()


# --- The honeypot and the minimum fill time ---------------------------------------------
@every_form
def test_a_person_who_fills_in_a_form_gets_through_the_traps(make_case):
    case = make_case()
    before = footprint()
    response = case.client.post(case.url, filled_in(case.data))
    assert case.succeeded(response), response
    assert footprint() != before


@every_form
def test_a_bot_that_fills_the_honeypot_sees_the_usual_success_and_nothing_is_kept_or_sent(
    make_case,
):
    case = make_case()
    before = footprint()
    response = case.client.post(case.url, filled_in(case.data, website="https://spam.example"))
    assert case.succeeded(response), response
    assert footprint() == before


@every_form
def test_a_bot_that_sends_a_form_too_soon_sees_the_usual_success_and_nothing_is_kept_or_sent(
    make_case,
):
    case = make_case()
    before = footprint()
    response = case.client.post(case.url, filled_in(case.data, seconds_ago=1))
    assert case.succeeded(response), response
    assert footprint() == before


def _signed_up(email: str, **extra: Any) -> dict[str, Any]:
    """What a stranger sees after signing up with `email` in a fresh browser."""
    client = Client()
    data = {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    response = client.post("/accounts/signup/", filled_in(data, **extra))
    page = client.get(response["Location"])
    return {
        "redirect": (response.status_code, response["Location"]),
        "page": page.content.decode().replace(email, "<email>"),
        "messages": [str(m).replace(email, "<email>") for m in page.context["messages"]],
        "cookies": sorted(client.cookies.keys()),
    }


@pytest.mark.parametrize(
    "trap", [{"website": "https://spam.example"}, {"seconds_ago": 1}], ids=["honeypot", "too soon"]
)
def test_a_trapped_sign_up_gets_the_same_page_message_and_cookies_as_a_person(trap):
    person = _signed_up("new@example.org")
    before = footprint()
    bot = _signed_up("bot@example.org", **trap)
    assert bot == person
    assert bot["messages"] == ["Confirmation email sent to <email>."]
    assert footprint() == before


def test_a_trapped_sign_up_with_a_known_address_sends_its_owner_nothing():
    make_user("member@example.org")
    assert _signed_up("member@example.org", website="https://spam.example")["messages"]
    assert not OutboxEmail.objects.exists()


def test_a_form_without_its_signed_rendering_time_is_trapped_too():
    case = petition_page()
    before = footprint()
    forged = {**case.data, antibot.STARTED_NAME: "1700000000.0"}
    assert case.succeeded(case.client.post(case.url, case.data))
    assert case.succeeded(case.client.post(case.url, forged))
    assert footprint() == before


def test_the_honeypot_is_out_of_sight_out_of_the_tab_order_and_not_autofilled():
    case = petition_page()
    html = Client().get(case.url.removesuffix("sign/")).content.decode()
    assert (
        '<div class="field-extra" aria-hidden="true">' in html
        and 'name="website" id="id_antibot_website" value="" tabindex="-1" autocomplete="off"'
        in html
    )


def test_a_form_shown_again_with_its_errors_keeps_the_time_it_was_first_shown():
    case = petition_page()
    started = antibot.started_token(time.time() - 10)
    data = {**case.data, "email": "not an address", antibot.STARTED_NAME: started}
    response = case.client.post(case.url, data)
    assert response.status_code == 400
    assert f'value="{started}"' in response.content.decode()


# --- ALTCHA --------------------------------------------------------------------------------
@every_form
def test_with_altcha_on_a_form_with_a_solved_challenge_is_accepted(make_case, settings):
    settings.ALTCHA_ENABLED = True
    case = make_case()
    before = footprint()
    response = case.client.post(case.url, filled_in(case.data, altcha=solved()))
    assert case.succeeded(response), response
    assert footprint() != before


@every_form
def test_with_altcha_on_a_form_with_a_wrong_solution_is_refused(make_case, settings):
    settings.ALTCHA_ENABLED = True
    case = make_case()
    payload = solved()
    tampered = payload[:-8] + ("A" * 8 if not payload.endswith("A" * 8) else "B" * 8)
    before = footprint()
    for wrong in ["not-a-payload", tampered]:
        response = case.client.post(case.url, filled_in(case.data, altcha=wrong))
        # The form again with the reason (allauth answers its own forms' errors with 200).
        assert response.status_code in {200, 400} and not case.succeeded(response)
        assert REFUSED_SOLUTION in response.content.decode()
    assert footprint() == before


@every_form
def test_without_javascript_a_form_passes_only_under_a_lower_limit_per_source(make_case, settings):
    settings.ALTCHA_ENABLED = True
    settings.ALTCHA_NOJS_LIMIT = 1
    case = make_case()
    first = case.client.post(case.url, filled_in(case.data))
    assert case.succeeded(first), first
    after_first = footprint()
    second = case.client.post(case.url, filled_in(case.data))
    assert not case.succeeded(second) and NOJS_LIMITED in second.content.decode()
    assert footprint() == after_first
    # A solution passes all the same.
    third = case.client.post(case.url, filled_in(case.data, altcha=solved()))
    assert case.succeeded(third), third


def test_the_no_javascript_limit_of_one_network_does_not_hold_back_another(settings):
    settings.ALTCHA_ENABLED = True
    settings.ALTCHA_NOJS_LIMIT = 1
    case = rsvp()
    assert case.succeeded(case.client.post(case.url, filled_in(case.data)))
    assert not case.succeeded(case.client.post(case.url, filled_in(case.data)))
    elsewhere = case.client.post(case.url, filled_in(case.data), REMOTE_ADDR="192.0.2.7")
    assert case.succeeded(elsewhere)


def test_one_solution_sends_one_form(settings):
    settings.ALTCHA_ENABLED = True
    case = rsvp()
    payload = solved()
    assert case.succeeded(case.client.post(case.url, filled_in(case.data, altcha=payload)))
    again = filled_in({**case.data, "email": "bob@example.org"}, altcha=payload)
    response = case.client.post(case.url, again)
    assert response.status_code == 400 and REFUSED_SOLUTION in response.content.decode()
    assert Attendance.objects.count() == 1


def test_a_solution_to_an_expired_challenge_is_refused(settings):
    settings.ALTCHA_ENABLED = True
    payload = solved()
    with time_machine.travel(time.time() + antibot.CHALLENGE_SECONDS + 60):
        assert not antibot.verify(payload)


def test_a_challenge_signed_with_another_key_is_refused():
    challenge = altcha.create_challenge(
        algorithm=antibot.ALGORITHM, cost=1, counter=3, hmac_secret="someone else's key"
    )
    solution = altcha.solve_challenge(challenge)
    assert solution is not None
    assert not antibot.verify(altcha.Payload(challenge, solution).to_base64())


def test_the_challenge_endpoint_is_never_cached_and_is_rate_limited(client):
    response = client.get("/altcha/challenge/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert response.json()["parameters"]["algorithm"] == "PBKDF2/SHA-256"
    for _ in range(antibot.CHALLENGE_LIMIT):
        client.get("/altcha/challenge/")
    assert client.get("/altcha/challenge/").status_code == 429


def test_a_challenge_costs_between_half_and_all_of_the_max_number(settings):
    settings.ALTCHA_MAX_NUMBER = 40
    for _ in range(5):
        challenge = altcha.Challenge.from_dict(antibot.new_challenge())
        solution = altcha.solve_challenge(challenge)
        assert solution is not None and 20 <= solution.counter < 40


def test_with_altcha_on_the_form_pages_load_the_widget_from_the_platform_only(settings):
    settings.ALTCHA_ENABLED = True
    event = make_event()
    petition = make_petition()
    for path in [
        f"/events/{event.slug}/",
        f"/events/{event.slug}/contact/",
        f"/petitions/{petition.slug}/",
        f"/petitions/{petition.slug}/embed/",
        "/accounts/signup/",
        "/accounts/password/reset/",
    ]:
        html = Client().get(path).content.decode()
        assert '<altcha-widget name="altcha" challenge="/altcha/challenge/"' in html, path
        assert '<script type="module" src="/static/vendor/altcha/altcha.min.js">' in html, path
        assert 'href="/static/vendor/altcha/altcha.css"' in html, path


# --- The petition embed's token -------------------------------------------------------------
def test_an_embed_post_without_its_token_is_refused_with_a_clear_400(client):
    petition = make_petition()
    response = client.post(f"/petitions/{petition.slug}/embed/", sign_form())
    assert response.status_code == 400
    assert "Your signature was not recorded: this form was too old" in response.content.decode()
    assert "X-Frame-Options" not in response  # it answers inside the partner's frame
    assert footprint() == (0, 0, 0, 0, 0, 0, 0)


def test_an_embed_token_served_to_another_source_or_for_another_petition_is_refused(client):
    petition, other = make_petition(), make_petition()
    elsewhere = embed_token(RequestFactory().get("/", REMOTE_ADDR="198.51.100.9"), petition)
    for data in [
        {**sign_form(), "embed_token": elsewhere},
        embed_form(other),
        {**sign_form(), "embed_token": "forged"},
    ]:
        assert client.post(f"/petitions/{petition.slug}/embed/", data).status_code == 400
    assert not Signature.objects.exists() and not OutboxEmail.objects.exists()


def test_an_embed_token_lasts_two_hours(client):
    petition = make_petition()
    data = filled_in(embed_form(petition))
    with time_machine.travel(time.time() + 2 * 3600 + 60):
        assert client.post(f"/petitions/{petition.slug}/embed/", data).status_code == 400
    with time_machine.travel(time.time() + 3600):
        assert client.post(f"/petitions/{petition.slug}/embed/", data).status_code == 200
    assert Signature.objects.count() == 1


def test_the_embed_page_gives_its_form_a_token_that_signs(client):
    petition = make_petition()
    html = client.get(f"/petitions/{petition.slug}/embed/").content.decode()
    token = html.split('name="embed_token" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        f"/petitions/{petition.slug}/embed/", filled_in({**sign_form(), "embed_token": token})
    )
    assert response.status_code == 200 and Signature.objects.count() == 1
