"""Staff: petitions with their targets, searching signatures, deleting, the delivery export."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.http import StreamingHttpResponse

from petitions.export import CHUNK_ROWS
from petitions.models import Petition, PetitionCounter, Signature
from tests.conftest import make_user
from tests.petitions.conftest import make_petition, make_signature, make_target

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, staff_user):
    client.force_login(staff_user)
    return client


def read_csv(response: StreamingHttpResponse) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[arg-type]
    return list(csv.reader(io.StringIO(body)))


def test_the_petition_change_page_has_targets_inline_and_delivery_links(staff, petition):
    make_target(petition, name="Helena Dalli")
    html = staff.get(f"/admin/petitions/petition/{petition.pk}/change/").content.decode()
    assert "Helena Dalli" in html
    assert f"/admin/petitions/petition/{petition.pk}/export/" in html
    assert f"/admin/petitions/petition/{petition.pk}/countries/" in html


def test_staff_can_add_a_petition_with_ordered_targets(staff, db):
    response = staff.post(
        "/admin/petitions/petition/add/",
        {
            # One field per language (modeltranslation); English, the original, is required.
            "title_en": "New petition",
            "slug": "new-petition",
            "summary_en": "Short.",
            "text_en": "Text.",
            "author": "Sphere Foundation",
            "status": "open",
            "goal": "500",
            "targets-TOTAL_FORMS": "2",
            "targets-INITIAL_FORMS": "0",
            "targets-0-position": "2",
            "targets-0-name": "Second",
            "targets-1-position": "1",
            "targets-1-name": "First",
        },
    )
    assert response.status_code == 302
    petition = Petition.objects.get(slug="new-petition")
    assert [t.name for t in petition.targets.all()] == ["First", "Second"]
    assert petition.signature_count == 0


def test_signatures_are_searchable_by_name_and_email(staff, petition):
    make_signature(petition, first_name="Zofia", email="zofia@example.org")
    make_signature(petition, first_name="Other", email="j.doe+petition@googlemail.com")
    url = "/admin/petitions/signature/"
    assert "Zofia" in staff.get(url, {"q": "zofia"}).content.decode()
    html = staff.get(url, {"q": "zofia@example"}).content.decode()
    assert "Zofia" in html and "Other" not in html
    # Staff typing the plain Gmail address find the dotted, tagged signer.
    html = staff.get(url, {"q": "jdoe@gmail.com"}).content.decode()
    assert "j.doe+petition@googlemail.com" in html and "Zofia" not in html


def test_signatures_filter_by_confirmed_and_country(staff, petition):
    make_signature(petition, confirmed=True, first_name="Confirmedfr", country="FR")
    make_signature(petition, first_name="Pendingde", country="DE")
    url = "/admin/petitions/signature/"
    html = staff.get(url, {"confirmed": "yes"}).content.decode()
    assert "Confirmedfr" in html and "Pendingde" not in html
    html = staff.get(url, {"confirmed": "no"}).content.decode()
    assert "Pendingde" in html and "Confirmedfr" not in html
    html = staff.get(url, {"country": "FR"}).content.decode()
    assert "Confirmedfr" in html and "Pendingde" not in html


def test_deleting_a_signature_in_admin_lowers_the_count(staff, petition):
    signature = make_signature(petition, confirmed=True)
    make_signature(petition, confirmed=True)
    response = staff.post(f"/admin/petitions/signature/{signature.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    petition.refresh_from_db()
    assert petition.signature_count == 1
    assert Signature.objects.count() == 1


def test_bulk_deleting_signatures_in_admin_lowers_each_petitions_count(staff, petition):
    other = make_petition()
    doomed = [
        make_signature(petition, confirmed=True),
        make_signature(petition, confirmed=True),
        make_signature(petition),  # unconfirmed: not counted, nothing to take off
        make_signature(other, confirmed=True),
    ]
    make_signature(petition, confirmed=True)
    response = staff.post(
        "/admin/petitions/signature/",
        {
            "action": "delete_selected",
            "_selected_action": [s.pk for s in doomed],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    petition.refresh_from_db()
    other.refresh_from_db()
    assert (petition.signature_count, other.signature_count) == (1, 0)


def test_staff_cannot_add_signatures_or_change_what_decides_the_count(staff, petition):
    signature = make_signature(petition)
    assert staff.get("/admin/petitions/signature/add/").status_code == 403
    html = staff.get(f"/admin/petitions/signature/{signature.pk}/change/").content.decode()
    assert 'name="first_name"' in html and 'name="show_publicly"' in html
    assert 'name="confirmed_at"' not in html and 'name="petition"' not in html
    assert 'name="email"' not in html


def test_the_delivery_export_lists_confirmed_signatures_without_emails(staff, petition):
    make_signature(
        petition,
        confirmed=True,
        first_name="Anna",
        last_name="Schmidt",
        email="anna@example.org",
        country="DE",
        postcode="10115",
    )
    make_signature(petition, first_name="Unconfirmed", email="pending@example.org")
    make_signature(make_petition(), confirmed=True, first_name="Elsewhere")
    response = staff.get(f"/admin/petitions/petition/{petition.pk}/export/")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0] == ["First name", "Last name", "Country", "Country code", "Postcode", "Date"]
    assert [row[:5] for row in rows[1:]] == [["Anna", "Schmidt", "Germany", "DE", "10115"]]
    assert "@" not in "".join(",".join(row) for row in rows)


def test_the_delivery_export_escapes_cells_a_spreadsheet_would_run(staff, petition):
    evil = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tTab", "\rReturn"]
    for value in evil:
        make_signature(
            petition, confirmed=True, first_name=value, last_name=value, postcode=value[:20]
        )
    make_signature(petition, confirmed=True, first_name="Plain", last_name="O'Hara")
    rows = read_csv(staff.get(f"/admin/petitions/petition/{petition.pk}/export/"))[1:]
    for row, value in zip(rows, evil, strict=False):
        assert row[0] == row[1] == "'" + value
        assert row[4] == "'" + value[:20]
    assert rows[-1][:2] == ["Plain", "O'Hara"]


def test_the_delivery_export_streams_in_chunks(staff, petition):
    Signature.objects.bulk_create(
        Signature(
            petition=petition,
            first_name="F",
            last_name="L",
            email=f"s{n}@example.org",
            email_normalized=f"s{n}@example.org",
            country="DE",
            confirmed_at="2030-03-16T12:00:00Z",
        )
        for n in range(CHUNK_ROWS * 2 + 10)
    )
    response = staff.get(f"/admin/petitions/petition/{petition.pk}/export/")
    assert isinstance(response, StreamingHttpResponse)
    chunks = [chunk for chunk in response.streaming_content if chunk]
    # The header and rows leave a chunk at a time, never as one document built in memory.
    assert len(chunks) == 3
    assert sum(chunk.count(b"\n") for chunk in chunks) == CHUNK_ROWS * 2 + 10 + 1


def test_the_export_is_recorded_in_the_admin_history(staff, petition, staff_user):
    b"".join(staff.get(f"/admin/petitions/petition/{petition.pk}/export/").streaming_content)
    entry = LogEntry.objects.get(object_id=str(petition.pk))
    assert entry.user == staff_user and "Exported" in entry.get_change_message()


def test_counts_per_country_most_first(staff, petition):
    for country in ["FR", "DE", "DE", "DE", "FR", "BR"]:
        make_signature(petition, confirmed=True, country=country)
    make_signature(petition, country="IT")  # unconfirmed
    html = staff.get(f"/admin/petitions/petition/{petition.pk}/countries/").content.decode()
    assert html.index("Germany") < html.index("France") < html.index("Brazil")
    assert "Italy" not in html
    assert "6 confirmed signatures in all" in html


def test_staff_without_permission_to_view_signatures_cannot_export(client, petition):
    from allauth.mfa.totp.internal.auth import TOTP

    editor = make_user("editor@example.org", is_staff=True)
    editor.user_permissions.add(Permission.objects.get(codename="change_petition"))
    TOTP.activate(editor, "JBSWY3DPEHPK3PXPTESTEDITORAAAAAA")
    client.force_login(editor)
    assert client.get(f"/admin/petitions/petition/{petition.pk}/change/").status_code == 200
    assert client.get(f"/admin/petitions/petition/{petition.pk}/export/").status_code == 403
    assert client.get(f"/admin/petitions/petition/{petition.pk}/countries/").status_code == 403


def test_the_recount_action_repairs_a_wrong_counter(staff, petition):
    make_signature(petition, confirmed=True)
    PetitionCounter.objects.add(petition.pk, 39, shard=5)
    staff.post(
        "/admin/petitions/petition/", {"action": "recount", "_selected_action": [petition.pk]}
    )
    petition.refresh_from_db()
    assert petition.signature_count == 1


def test_a_signed_petition_cannot_be_deleted_only_closed(staff, petition, signature):
    assert staff.get(f"/admin/petitions/petition/{petition.pk}/delete/").status_code == 403
    unsigned = make_petition()
    response = staff.post(f"/admin/petitions/petition/{unsigned.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert list(Petition.objects.all()) == [petition]
