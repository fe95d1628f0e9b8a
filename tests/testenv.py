"""Environment for the test session, loaded as a pytest plugin before Django's settings.

Tests use their own Redis database and Celery queue, so a `make run` on the same machine
(or a second checkout's test run) never steals their tasks.
"""

import os

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("SECRET_KEY", "tests-only-secret")
os.environ["REDIS_URL"] = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
os.environ["CELERY_QUEUE"] = f"tests-{os.getpid()}"
# No tile server is reachable here; maps draw without tiles.
os.environ["MAP_TILES_URL"] = ""
os.environ.pop("EMAIL_URL", None)
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop.
