"""Environment for the test session, loaded as a pytest plugin before Django's settings.

Tests use their own Redis database and Celery queue, so a `make run` on the same machine
(or a second checkout's test run) never steals their tasks. Without DATABASE_URL and
TEST_REDIS_URL (a bare `pytest`, not `make test`) they use this checkout's own, the names
the Makefile derives.
"""

import hashlib
import os
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent


def checkout_defaults(checkout: Path = CHECKOUT) -> dict[str, str]:
    """The database and Redis URLs of a checkout, from a short hash of its path.

    The same arithmetic as the Makefile's: the database allout_<hash>, Redis database
    1 to 15 for serving and the next one (15 wraps to 1) for the tests.
    """
    digest = hashlib.sha1(str(checkout).encode(), usedforsecurity=False).hexdigest()[:8]
    redis_db = int(digest, 16) % 15 + 1
    return {
        "DATABASE_URL": f"postgis://postgres@127.0.0.1:5432/allout_{digest}",
        "REDIS_URL": f"redis://127.0.0.1:6379/{redis_db}",
        "TEST_REDIS_URL": f"redis://127.0.0.1:6379/{redis_db % 15 + 1}",
    }


_defaults = checkout_defaults()
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("SECRET_KEY", "tests-only-secret")
os.environ.setdefault("DATABASE_URL", _defaults["DATABASE_URL"])
os.environ["REDIS_URL"] = os.environ.get("TEST_REDIS_URL", _defaults["TEST_REDIS_URL"])
os.environ["CELERY_QUEUE"] = f"tests-{os.getpid()}"
# No tile server is reachable here; maps draw without tiles.
os.environ["MAP_TILES_URL"] = ""
os.environ.pop("EMAIL_URL", None)
# Other features' tests send forms without a proof of work, at once, with no timestamp; the
# anti-automation tests switch these back on (tests/allout/test_antibot.py).
os.environ["ALTCHA_ENABLED"] = "false"
os.environ["FORM_TRAPS_ENABLED"] = "false"
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop.
