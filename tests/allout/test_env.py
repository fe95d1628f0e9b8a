import os
import subprocess
import sys

import pytest

from allout.env import (
    ImproperlyConfiguredVariable,
    envbool,
    envdatabase,
    envemail,
    envint,
    envlist,
    envurl,
)
from tests.conftest import ROOT


def test_envbool_reads_common_spellings(monkeypatch):
    for raw, expected in [("true", True), ("YES", True), ("1", True), ("off", False), ("0", False)]:
        monkeypatch.setenv("FLAG", raw)
        assert envbool("FLAG", not expected) is expected


def test_envbool_uses_the_default_when_unset(monkeypatch):
    monkeypatch.delenv("FLAG", raising=False)
    assert envbool("FLAG", True) is True


def test_envbool_rejects_a_bad_value_naming_the_variable(monkeypatch):
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ImproperlyConfiguredVariable, match=r"DEBUG must be a boolean.*'maybe'"):
        envbool("DEBUG", False)


def test_envint_rejects_words_and_values_below_the_minimum(monkeypatch):
    monkeypatch.setenv("EMAIL_TIMEOUT", "ten")
    with pytest.raises(ImproperlyConfiguredVariable, match="EMAIL_TIMEOUT must be a whole number"):
        envint("EMAIL_TIMEOUT", 10)
    monkeypatch.setenv("EMAIL_TIMEOUT", "0")
    with pytest.raises(ImproperlyConfiguredVariable, match="EMAIL_TIMEOUT must be at least 1"):
        envint("EMAIL_TIMEOUT", 10, minimum=1)
    monkeypatch.setenv("EMAIL_TIMEOUT", "30")
    assert envint("EMAIL_TIMEOUT", 10, minimum=1) == 30


def test_envlist_splits_on_commas_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", " example.org, ,www.example.org ")
    assert envlist("ALLOWED_HOSTS", []) == ["example.org", "www.example.org"]


def test_envurl_rejects_a_wrong_scheme_or_a_missing_host(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "http://127.0.0.1:6379")
    with pytest.raises(ImproperlyConfiguredVariable, match="REDIS_URL must be a URL starting with"):
        envurl("REDIS_URL", "", schemes=("redis",))
    monkeypatch.setenv("REDIS_URL", "redis://")
    with pytest.raises(ImproperlyConfiguredVariable, match="REDIS_URL must name a host"):
        envurl("REDIS_URL", "", schemes=("redis",))


def test_envdatabase_always_uses_postgis(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://app:secret@db.internal:5433/allout")
    config = envdatabase("DATABASE_URL", "")
    assert config["ENGINE"] == "django.contrib.gis.db.backends.postgis"
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("db.internal", 5433, "allout")


def test_envdatabase_refuses_other_backends(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:///db.sqlite3")
    with pytest.raises(ImproperlyConfiguredVariable, match="DATABASE_URL must be a URL starting"):
        envdatabase("DATABASE_URL", "")


def test_envemail_reads_smtp_urls_and_rejects_nonsense(monkeypatch):
    monkeypatch.setenv("EMAIL_URL", "smtp://127.0.0.1:1025")
    config = envemail("EMAIL_URL")
    assert (config["EMAIL_HOST"], config["EMAIL_PORT"]) == ("127.0.0.1", 1025)
    monkeypatch.setenv("EMAIL_URL", "mailto:someone@example.org")
    with pytest.raises(ImproperlyConfiguredVariable, match="EMAIL_URL must be a URL"):
        envemail("EMAIL_URL")
    monkeypatch.delenv("EMAIL_URL")
    assert envemail("EMAIL_URL") is None


def _import_settings(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    return subprocess.run(
        [sys.executable, "-c", "import allout.settings"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = _import_settings(DEBUG="false", ALLOWED_HOSTS="example.org")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = _import_settings(DEBUG="false", SECRET_KEY="s3cret", ALLOWED_HOSTS="")
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set when DEBUG is off" in result.stderr


def test_production_starts_with_its_secrets():
    result = _import_settings(DEBUG="false", SECRET_KEY="s3cret", ALLOWED_HOSTS="example.org")
    assert result.returncode == 0, result.stderr


def test_a_bad_value_stops_start_up_with_a_clear_message():
    result = _import_settings(DEBUG="true", EMAIL_TIMEOUT="soon")
    assert result.returncode != 0
    assert "EMAIL_TIMEOUT must be a whole number, not 'soon'" in result.stderr
