"""The code the petition page offers partners: a frame that sizes itself to the widget."""

import html
import re

import pytest

from tests.petitions.conftest import make_petition

pytestmark = pytest.mark.django_db


def snippet(client, petition) -> str:
    page = client.get(f"/petitions/{petition.slug}/").content.decode()
    found = re.search(r'<textarea id="embed-snippet"[^>]*>(.*?)</textarea>', page, re.S)
    assert found, "the petition page offers no code to embed"
    return html.unescape(found[1])


def test_the_snippet_frames_the_embed_and_loads_the_resizer_by_absolute_urls(client, settings):
    settings.SITE_URL = "https://allout.example"
    petition = make_petition()
    code = snippet(client, petition)
    assert f'<iframe src="https://allout.example/petitions/{petition.slug}/embed/"' in code
    assert '<script src="https://allout.example/static/js/embed-resize.js"></script>' in code
    assert 'height="760"' not in code  # the fixed height that hid the Sign button


def test_the_embed_reports_its_height_from_a_file_not_an_inline_script(client):
    petition = make_petition()
    response = client.get(f"/petitions/{petition.slug}/embed/")
    page = response.content.decode()
    assert f'data-embed="petition:{petition.slug}"' in page
    assert '<script src="/static/js/embed.js" defer></script>' in page
    assert re.findall(r"<script(?![^>]*\bsrc=)", page) == []
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


def test_the_embed_puts_the_form_before_the_petition_text(client):
    petition = make_petition(text="A long argument. " * 200)
    page = client.get(f"/petitions/{petition.slug}/embed/").content.decode()
    form_at = page.index('class="sign-form"')
    assert "A long argument." not in page[:form_at]
