"""The API's OpenAPI schema: served, valid, and the same as the copy in docs/."""

from __future__ import annotations

import io

import pytest
import yaml
from django.core.management import call_command

from tests.conftest import ROOT

COMMITTED = ROOT / "docs" / "openapi.yaml"


def test_the_committed_schema_is_what_the_code_generates():
    generated = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", "--lang", "en", stdout=generated)
    assert generated.getvalue() == COMMITTED.read_text(), (
        "docs/openapi.yaml differs from the API's code: run `make openapi` and commit it"
    )


@pytest.mark.django_db
def test_the_schema_is_served_as_yaml_and_json(client):
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    served = yaml.safe_load(response.content)
    assert served == yaml.safe_load(COMMITTED.read_text())
    as_json = client.get("/api/v1/schema/", {"format": "json"})
    assert as_json.json()["openapi"].startswith("3.")
    assert "/api/v1/events/" in served["paths"]


@pytest.mark.django_db
def test_the_docs_page_loads_swagger_ui_from_our_static_files_only(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "http://" not in page and "https://" not in page
    assert "<style" not in page  # the CSP refuses inline styles
    script = client.get("/api/v1/docs/", {"script": ""})
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/v1/schema/" in script.content.decode()


def test_the_schema_is_rate_limited_like_the_rest_of_the_api(client, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 2
    answers = [client.get("/api/v1/schema/").status_code for _ in range(3)]
    assert answers == [200, 200, 429]
