import re

import pytest

pytestmark = pytest.mark.django_db


def test_the_sign_forms_banner_names_the_fields_to_correct(client, petition):
    response = client.post(f"/petitions/{petition.slug}/sign/", {"first_name": "Ana"})
    assert response.status_code == 400
    summary = re.search(
        r'class="errorlist nonfield error-summary"[^>]*>(.*?)</div>', response.text, re.S
    )
    text = " ".join(re.sub(r"<[^>]+>", "", summary.group(1)).split())
    assert text.startswith("Please correct: Last name, Email, Country.")
