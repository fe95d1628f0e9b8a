"""The API's documentation page in Chromium: Swagger UI draws the schema under the site's
CSP, with every file from our own server."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_swagger_ui_draws_every_operation_from_our_static_files_under_the_csp(live_server, page):
    console: list[str] = []
    requested: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{live_server.url}/api/v1/docs/")
    page.get_by_text("/api/v1/events/", exact=True).first.wait_for()
    assert page.locator(".opblock").count() >= 7  # one per operation
    assert [url for url in requested if not url.startswith(live_server.url)] == []
    assert not [line for line in console if "Content Security Policy" in line], console
    assert not [line for line in console if line.startswith("error")], console
