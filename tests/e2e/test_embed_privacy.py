"""What a page that frames the petition widget can learn from it: its height (embed.js
posts it), which must not say whether the visitor picked a high-risk country."""

import pytest

from allout.models import HighRiskCountry
from tests.petitions.conftest import make_petition

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_choosing_a_high_risk_country_does_not_change_the_widgets_height(live_server, page):
    HighRiskCountry.objects.get_or_create(country="BY")  # the data migration lists it
    petition = make_petition()
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/petitions/{petition.slug}/embed/")
    height = "() => document.documentElement.scrollHeight"
    safe = page.evaluate(height)
    page.get_by_label("Country", exact=True).select_option("BY")
    assert page.locator("#high-risk-notice").is_visible()
    assert page.evaluate(height) == safe
    page.get_by_label("Country", exact=True).select_option("DE")
    assert page.evaluate(height) == safe
