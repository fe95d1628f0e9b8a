import pytest

from allout.models import Campaign

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_browser_grants_the_page_geolocation_and_refuses_camera_microphone_and_payment(
    live_server, page
):
    """The header is one the browser reads whole: no feature it does not know, none refused."""
    Campaign.objects.create(name="Global day of action", slug="doa", date="2099-03-16")
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    page.goto(live_server.url + "/events/")
    allowed = page.evaluate(
        """() => Object.fromEntries(
            ["geolocation", "camera", "microphone", "payment", "usb", "serial"].map(
                (feature) => [feature, document.featurePolicy.allowsFeature(feature)]))"""
    )
    assert allowed == {
        "geolocation": True,
        "camera": False,
        "microphone": False,
        "payment": False,
        "usb": False,
        "serial": False,
    }
    assert not [text for text in messages if "Permissions-Policy" in text], messages
