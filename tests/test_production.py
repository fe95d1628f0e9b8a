"""The production stack as docker-compose.yml describes it: Caddy in front, Django's deploy
checks clean with the file's own variables, and what `make run` uses for a secret."""

from __future__ import annotations

import http.server
import os
import runpy
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from allout.env import generated_secret
from tests.conftest import ROOT, _test_database_url, free_port
from tests.waiting import wait_until

# What an operator's .env gives the compose file (the required variables, nothing else).
DOT_ENV = {
    "SECRET_KEY": "k3Y-" + "a1B2c3D4e5F6g7H8" * 4,
    "ALLOWED_HOSTS": "example.org",
    "SITE_URL": "https://example.org",
    "SITE_DOMAIN": "example.org",
    "POSTGRES_PASSWORD": "x",
    "EMAIL_URL": "smtp://mail.example.org:587",
    "DEFAULT_FROM_EMAIL": "noreply@example.org",
}


def compose_config() -> dict:
    result = subprocess.run(
        ["docker-compose", "config"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **DOT_ENV},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def web_environment() -> dict[str, str]:
    return {
        key: str(value) for key, value in compose_config()["services"]["web"]["environment"].items()
    }


def test_docker_compose_file_is_valid():
    result = subprocess.run(
        ["docker-compose", "config", "-q"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **DOT_ENV},
        capture_output=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()


def test_only_the_proxy_is_published_and_gunicorn_uses_the_redacting_config():
    services = compose_config()["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy"}
    assert {80, 443} <= {port["published"] for port in services["proxy"]["ports"]}
    assert f"{ROOT}/deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in services["proxy"]["volumes"]
    assert services["web"]["command"][:3] == ["gunicorn", "-c", "deploy/gunicorn.conf.py"]
    assert "--access-logfile" not in services["web"]["command"]
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert '"-c", "deploy/gunicorn.conf.py"' in dockerfile


def test_django_deploy_checks_pass_with_the_compose_files_variables():
    environment = {"PATH": "/usr/bin:/bin", **web_environment()}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


PRODUCTION_RESPONSE = """
import django
django.setup()
from django.conf import settings
from django.test import Client, override_settings
# The image collects static files at build time; this checkout has no manifest to read.
storages = {**settings.STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
with override_settings(STORAGES=storages):
    response = Client().get("/accounts/login/", secure=True, headers={"host": "example.org"})
print(response.status_code)
for morsel in response.cookies.values():
    print(morsel.OutputString())
print("Strict-Transport-Security:", response["Strict-Transport-Security"])
"""


def test_in_production_cookies_are_host_only_secure_and_hsts_covers_subdomains(django_db_setup):
    environment = {
        "PATH": "/usr/bin:/bin",
        **web_environment(),
        "DATABASE_URL": _test_database_url(),
        "REDIS_URL": os.environ["REDIS_URL"],
        "DJANGO_SETTINGS_MODULE": "allout.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_RESPONSE],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "200"
    csrf = next(line for line in lines if "csrftoken=" in line)
    assert csrf.startswith("__Host-csrftoken=") and "Secure" in csrf and "Path=/" in csrf
    assert "Domain" not in csrf
    assert "Strict-Transport-Security: max-age=31536000; includeSubDomains" in lines


# --- Caddy, for real, in front of a server that shows what it was sent ------------------
class Recorder(http.server.BaseHTTPRequestHandler):
    seen: list[dict[str, str]] = []

    def do_GET(self) -> None:
        Recorder.seen.append(dict(self.headers.items()))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def upstream() -> Iterator[int]:
    Recorder.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()


def test_caddy_overwrites_a_forged_x_forwarded_for_with_the_address_it_saw(upstream, tmp_path):
    port = free_port()
    environment = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        # Plain HTTP on a free port, so no certificate is asked for; the rest is the file.
        "SITE_DOMAIN": f"http://127.0.0.1:{port}",
        "UPSTREAM": f"127.0.0.1:{upstream}",
        "CADDY_ADMIN": f"127.0.0.1:{free_port()}",
    }
    caddy = subprocess.Popen(
        ["caddy", "run", "--config", "deploy/Caddyfile", "--adapter", "caddyfile"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        import urllib.request

        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/events/",
            headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"},
        )

        def answered() -> bool:
            try:
                with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310
                    return response.status == 200
            except OSError:
                assert caddy.poll() is None, caddy.stderr.read().decode() if caddy.stderr else ""
                return False

        wait_until(answered, 20, interval=0.2, message="Caddy")
    finally:
        caddy.terminate()
        caddy.wait(timeout=10)
    headers = Recorder.seen[-1]
    assert headers["X-Forwarded-For"] == "127.0.0.1"
    assert headers["X-Forwarded-Proto"] == "http"  # the scheme Caddy served, not the client's word


def test_the_caddyfile_is_valid_for_a_real_domain():
    result = subprocess.run(
        ["caddy", "validate", "--config", "deploy/Caddyfile", "--adapter", "caddyfile"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "HOME": "/tmp", "SITE_DOMAIN": "example.org"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


# --- make run's secret -------------------------------------------------------------------
PRINT_SECRET = "from django.conf import settings; print(settings.SECRET_KEY)"


def development_secret(secret_file: Path) -> str:
    environment = {
        key: value for key, value in os.environ.items() if key not in {"SECRET_KEY", "DEBUG"}
    }
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {PRINT_SECRET}"],
        cwd=ROOT,
        env={
            **environment,
            "DEBUG": "true",
            "SECRET_KEY_FILE": str(secret_file),
            "DJANGO_SETTINGS_MODULE": "allout.settings",
        },
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_development_makes_a_random_secret_on_first_run_readable_by_its_owner_only(tmp_path):
    secret_file = tmp_path / "var" / "secret_key"
    first = development_secret(secret_file)
    assert len(first) >= 50 and first != "development-only-not-secret"
    assert secret_file.read_text() == first
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert development_secret(secret_file) == first  # the same key on every later run
    assert development_secret(tmp_path / "other" / "secret_key") != first


def test_processes_that_start_together_agree_on_one_secret(tmp_path):
    secret_file = tmp_path / "secret_key"
    results: list[str] = []
    threads = [
        threading.Thread(target=lambda: results.append(generated_secret(secret_file)))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(results)) == 1 and len(results) == 8
    assert [path.name for path in tmp_path.iterdir()] == ["secret_key"]  # no drafts left


def test_the_tile_server_reaches_the_web_service_whole_or_not_at_all(monkeypatch):
    # Unset, the variable is passed as nothing: the setting's own default applies.
    assert compose_config()["services"]["web"]["environment"].get("MAP_TILES_URL") is None
    # Set, it arrives whole ("${VAR:-...}" would cut a default at its first "}").
    tiles = "https://tiles.example.org/{z}/{x}/{y}.png"
    monkeypatch.setitem(DOT_ENV, "MAP_TILES_URL", tiles)
    assert web_environment()["MAP_TILES_URL"] == tiles


def test_each_gunicorn_worker_loads_the_place_index_as_it_starts(db):
    """The finder's first search in a worker must not wait seconds for the index."""
    from events.finder import places

    hooks = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    places._index.cache_clear()
    hooks["post_worker_init"](None)
    assert places._index.cache_info().currsize == 1
