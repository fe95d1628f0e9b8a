"""The read API's tests: events and petitions from the apps' factories, read as JSON."""

from __future__ import annotations

import json

import pytest
from django.test import Client

# The events tests' fixtures (shared, not copied): the campaign, the high-risk list.
from tests.events.conftest import campaign, high_risk  # noqa: F401


def get_json(client: Client, path: str, **query) -> tuple[int, dict]:
    response = client.get(path, query)
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    return response.status_code, json.loads(response.content)


@pytest.fixture
def api(client):
    """GET an API path with query parameters; (status, decoded JSON)."""
    return lambda path, **query: get_json(client, path, **query)
