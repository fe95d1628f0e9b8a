"""Small typed readers for environment variables.

Each one refuses a bad value with a message that names the variable, so a typo in
production stops the process at start-up instead of surfacing as odd behaviour later.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import environ


class ImproperlyConfiguredVariable(Exception):
    """An environment variable holds a value that cannot be used."""


def envstr(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfiguredVariable(
        f"{name} must be a boolean (true/false, yes/no, on/off or 1/0), not {raw!r}"
    )


def envint(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfiguredVariable(f"{name} must be a whole number, not {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfiguredVariable(f"{name} must be at least {minimum}, not {value}")
    return value


def envlist(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def envurl(name: str, default: str, *, schemes: tuple[str, ...]) -> str:
    """A URL whose scheme is one of `schemes` and which names a host."""
    raw = os.environ.get(name) or default
    parts = urlsplit(raw)
    if parts.scheme not in schemes:
        raise ImproperlyConfiguredVariable(
            f"{name} must be a URL starting with {' or '.join(s + '://' for s in schemes)}, "
            f"not {raw!r}"
        )
    if not parts.netloc and parts.scheme not in {"consolemail", "locmemmail", "dummymail"}:
        raise ImproperlyConfiguredVariable(f"{name} must name a host, not {raw!r}")
    return raw


def envdatabase(name: str, default: str) -> dict:
    """A django-environ style database URL; only PostGIS is accepted."""
    raw = envurl(name, default, schemes=("postgis", "postgres", "postgresql"))
    config = environ.Env.db_url_config(raw)
    # PostGIS is the one backend everywhere: a plain postgres:// URL gets the GIS engine.
    config["ENGINE"] = "django.contrib.gis.db.backends.postgis"
    if not config.get("NAME"):
        raise ImproperlyConfiguredVariable(f"{name} must name a database, not {raw!r}")
    return config


EMAIL_SCHEMES = ("smtp", "smtps", "smtp+tls", "smtp+ssl", "consolemail", "locmemmail", "dummymail")


def envemail(name: str) -> dict | None:
    """A django-environ style email URL (smtp://user:pass@host:port), or None if unset."""
    raw = os.environ.get(name)
    if not raw:
        return None
    envurl(name, raw, schemes=EMAIL_SCHEMES)
    try:
        return environ.Env.email_url_config(raw)
    except ValueError as exc:
        raise ImproperlyConfiguredVariable(f"{name} is not a usable email URL: {exc}") from None


def generated_secret(path: Path) -> str:
    """The secret kept in `path`, made (random, readable by its owner alone) the first time.

    The web server, the worker and beat start together: the first to write wins (a hard
    link is atomic and never replaces a file) and the others read what it wrote.
    """
    try:
        return _read_secret(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(secrets.token_urlsafe(50))
    try:
        os.link(draft, path)
    except FileExistsError:
        pass
    finally:
        draft.unlink()
    return _read_secret(path)


def _read_secret(path: Path) -> str:
    value = path.read_text().strip()
    if not value:
        raise ImproperlyConfiguredVariable(f"{path} is empty: delete it to have a new secret made")
    return value
