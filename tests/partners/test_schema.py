"""The pull in the OpenAPI schema: its parameters, its answer, its security scheme."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

PATH = "/api/v1/petitions/{slug}/signatures/"


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def test_the_schema_is_valid_openapi(schema):
    validate_schema(schema)


def test_the_pull_needs_the_partner_key_and_names_its_parameters(schema):
    operation = schema["paths"][PATH]["get"]
    assert operation["security"] == [{"partnerKey": []}]
    scheme = schema["components"]["securitySchemes"]["partnerKey"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert {p["name"] for p in operation["parameters"]} == {"slug", "since", "page", "per_page"}
    assert set(operation["responses"]) == {"200", "400", "401", "404", "429"}


def test_the_answer_is_described_with_its_osdi_names(schema):
    components = schema["components"]["schemas"]
    page = components["SignaturePage"]["properties"]
    assert {"total_pages", "total_records", "page", "per_page", "_links", "_embedded"} <= set(page)
    assert "osdi:signatures" in components["EmbeddedSignatures"]["properties"]
    person = components["Person"]["properties"]
    assert {"given_name", "family_name", "email_addresses", "postal_addresses"} <= set(person)
