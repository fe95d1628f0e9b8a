"""The broker's transport (allout.broker): kombu's Redis transport, one Redis client a channel."""

from __future__ import annotations

import os
import subprocess
import sys

from allout.celery import app
from tests.conftest import ROOT


def test_every_publish_and_ack_on_a_channel_shares_one_redis_client() -> None:
    # kombu's own channel builds a redis.Redis (~170 response callbacks) for each message.
    with app.connection_for_write() as connection:
        channel = connection.default_channel
        with channel.conn_or_acquire() as first, channel.conn_or_acquire() as second:
            assert first is second
            assert first.ping()


def test_a_rediss_url_keeps_the_broker_on_tls_with_the_certificate_checked() -> None:
    # Our transport is named explicitly, so kombu no longer infers TLS from the URL's scheme.
    code = (
        "import os, ssl, django; os.environ['DJANGO_SETTINGS_MODULE'] = 'allout.settings';"
        "django.setup(); from allout.celery import app; c = app.connection_for_write();"
        "print(c.ssl == {'ssl_cert_reqs': ssl.CERT_REQUIRED}, type(c.transport).__module__)"
    )
    env = {**os.environ, "REDIS_URL": "rediss://redis.example.invalid:6380/0", "DEBUG": "true"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.stdout.split() == ["True", "allout.broker"], result.stderr
