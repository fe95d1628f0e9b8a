"""The signed links of a signer's and a participant's emails are made by the worker as it
renders the email, in the email's language (allout.links.EmailLink): the request that
stores the signature or the sign-up signs nothing, and the links still work."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from django.utils import translation

from allout import email_context, mail
from allout.models import OutboxEmail
from events.models import Attendance
from petitions import links as petition_links
from tests.events.factories import make_event
from tests.outbox import rendered
from tests.petitions.conftest import make_petition, sign_form

pytestmark = pytest.mark.django_db


def stored_links(row: OutboxEmail) -> list:
    """The `$link` markers of a row's stored context, and any signed link it holds."""
    text = json.dumps(row.context)
    signed = r"https?://[^\s\"]+/(?:attend|signature)/[^\s\"]+"
    return [*re.findall(r'"\$link": \[[^\]]*\]', text), *re.findall(signed, text)]


def test_a_signature_stores_its_links_unmade_and_the_worker_makes_them(client):
    petition = make_petition()
    assert client.post(f"/de/petitions/{petition.slug}/sign/", sign_form()).status_code == 302
    row = OutboxEmail.objects.get(kind="petition_confirm")
    assert stored_links(row) and all(link.startswith('"$link"') for link in stored_links(row))
    row = rendered().get(pk=row.pk)
    confirm = re.search(
        r"https?://[^/\s]+(/de/petitions/signature/[^/\s]+/confirm/)", row.body_text
    )
    assert confirm, row.body_text
    delete = re.search(
        r"<https?://[^/\s]+(/de/petitions/signature/[^/\s]+/delete/)>", str(row.headers)
    )
    assert delete, row.headers
    assert client.post(confirm.group(1)).status_code == 302
    assert petition.signatures.get().is_confirmed()


def test_a_sign_up_stores_its_links_unmade_and_the_worker_makes_them(client):
    event = make_event()
    form = {"first_name": "Ada", "email": "ada@example.org", "consent_organizer": "on"}
    assert client.post(f"/fr/events/{event.slug}/rsvp/", form).status_code == 302
    row = OutboxEmail.objects.get(kind="attendance_confirm")
    assert stored_links(row) and all(link.startswith('"$link"') for link in stored_links(row))
    row = rendered().get(pk=row.pk)
    confirm = re.search(r"https?://[^/\s]+(/fr/events/attend/[^/\s]+/confirm/)", row.body_text)
    assert confirm, row.body_text
    cancel = re.search(r"<https?://[^/\s]+(/fr/events/attend/[^/\s]+/cancel/)>", str(row.headers))
    assert cancel, row.headers
    assert client.post(confirm.group(1)).status_code == 302
    assert Attendance.objects.get().is_confirmed()


def test_a_link_is_made_in_the_language_active_when_it_is_loaded():
    stored = email_context.dump({"url": petition_links.delete_link(7)})
    assert stored == {"url": {"$link": ["petitions.manage", "petitions:delete", 7]}}
    with translation.override("ru"):
        url = email_context.load(stored)["url"]
    assert "/ru/petitions/signature/" in url
    assert petition_links.MANAGE.pk_from(url.rstrip("/").split("/")[-2]) == 7


def test_a_dict_that_would_read_back_as_a_link_is_refused():
    with pytest.raises(TypeError):
        email_context.dump({"$link": ["petitions.manage", "petitions:delete", 7]})


def test_a_worker_knows_every_link_once_django_has_started():
    """The worker renders links by their salt: each app's ready() imports its links, so a
    process that has only run django.setup() (a Celery worker) knows all of them."""
    script = (
        "import django; django.setup(); from allout import links; "
        "print(' '.join(sorted(links._EMAIL_LINKS)))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "allout.settings"}
    known = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    for salt in ("petitions.confirm", "petitions.manage", "events.attendance.cancel"):
        assert salt in known
    assert {"events.attendance.confirm", "events.attendance.view"} <= set(known)


def test_the_link_takes_the_emails_language_whatever_language_is_active(client):
    petition = make_petition()
    assert client.post(f"/de/petitions/{petition.slug}/sign/", sign_form()).status_code == 302
    with translation.override("en"):
        body = rendered().get(kind="petition_confirm").body_text
    assert re.search(r"https?://[^/\s]+/de/petitions/signature/[^/\s]+/confirm/", body), body


@pytest.mark.parametrize(
    "link",
    [
        ["events.cohost.accept", "events:cohost_accept", 1],  # not a link made for emails
        ["petitions.manage", "petitions:confirm", 1],  # a URL its salt is not made into
        ["petitions.manage", "petitions:delete", "1"],  # not a row's id
        ["petitions.manage", "petitions:delete", True],
    ],
)
def test_a_row_written_by_hand_cannot_have_the_worker_sign_another_link(link):
    """Someone who can write to the outbox but holds no SECRET_KEY gets no token minted."""
    row = OutboxEmail.objects.create(
        kind="petition_confirm",
        to="someone@example.org",
        to_canonical="someone@example.org",
        subject="x",
        context={"confirm_url": {"$link": link}},
        language="en",
    )
    with pytest.raises(ValueError):
        email_context.load(row.context)
    assert mail.deliver(row.pk) is False
    row.refresh_from_db()
    assert "not a" in row.last_error and row.body_text == "" and row.sent_at is None


def test_a_link_is_made_only_into_the_urls_its_salt_is_made_into_for_emails():
    with pytest.raises(ValueError):
        petition_links.MANAGE.email_link("petitions:confirm", 1)


@pytest.mark.parametrize(
    "value",
    [
        {"a": [{"$link": ["petitions.manage", "petitions:delete", 7]}]},
        {"a": {"$model": ["events.event", 1]}},
        {1: "one", "1": "also one"},
    ],
)
def test_a_value_that_would_read_back_as_another_is_refused_wherever_it_is(value):
    with pytest.raises(TypeError):
        email_context.dump(value)
