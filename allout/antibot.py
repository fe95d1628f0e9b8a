"""Anti-automation on the public forms (ASVS 2.4.1): a proof of work, a honeypot, a fill time.

Every form anyone can send (sign-up, password reset, petition signing, RSVP, the contact
relay, abuse reports, event registration) mixes in `AntiBotMixin`, which adds one hidden
field, `antibot`, rendered by `templates/antibot/widget.html`. It carries three checks:

- ALTCHA, a proof of work the browser solves (the widget vendored in
  `static/vendor/altcha/`) on a challenge this platform issues and signs
  (`challenge()`, served at `/altcha/challenge/`). Nothing is asked of a third party.
  Without JavaScript there is no solution: such a submission passes under a much lower
  limit per source (`ALTCHA_NOJS_LIMIT` an hour for each form), so the forms still work
  for a person and cost a script its speed.
- A honeypot, a field a person never sees or reaches, and the time since the form was
  rendered (a signed timestamp). A submission that fills the one or comes sooner than
  `FORM_MIN_FILL_SECONDS` is *trapped*: the view shows its ordinary success page and
  stores and sends nothing, so the bot learns nothing from the answer.

Views check `form.trapped` after `form.is_valid()`.
"""

from __future__ import annotations

import datetime
import json
import secrets
import time
from typing import Any

import altcha
from django import forms
from django.conf import settings
from django.core import signing
from django.http import HttpRequest, JsonResponse
from django.template import loader
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from allout import pages
from allout.cache import DOWN, redis_client
from allout.ratelimit import client_key, is_limited, ratelimit

# The names a bot sees in the HTML. "website" is a field forms plausibly have; the
# timestamp's name says nothing of its purpose.
HONEYPOT_NAME = "website"
STARTED_NAME = "form_ref"
ALTCHA_NAME = "altcha"

_STARTED_SALT = "allout.antibot.started"
# The widget's bundled worker for this algorithm is vendored; PBKDF2 is WebCrypto-native.
ALGORITHM = "PBKDF2/SHA-256"
CHALLENGE_SECONDS = 30 * 60
NOJS_PERIOD = 3600
# Challenges a source may fetch in ten minutes: a person opens a few pages, not hundreds.
CHALLENGE_LIMIT, CHALLENGE_PERIOD = 60, 600


def _hmac_secret(purpose: str) -> str:
    """A key derived from SECRET_KEY for one purpose, so no two uses share a key."""
    return salted_hmac("allout.antibot.altcha", purpose).hexdigest()


# --- The proof of work ---------------------------------------------------------------------
def new_challenge() -> dict[str, Any]:
    """A signed challenge whose answer is a counter in [max/2, max).

    Deterministic mode: the challenge carries the derived key's prefix for a counter we
    chose, so every solution costs at least half of ALTCHA_MAX_NUMBER key derivations (a
    random prefix would let a lucky client stop at the first try), and the key's own HMAC
    lets us verify without deriving it again.
    """
    maximum = settings.ALTCHA_MAX_NUMBER
    counter = maximum // 2 + secrets.randbelow(maximum - maximum // 2)
    challenge = altcha.create_challenge(
        algorithm=ALGORITHM,
        cost=settings.ALTCHA_COST,
        counter=counter,
        expires_at=datetime.datetime.now(datetime.UTC)
        + datetime.timedelta(seconds=CHALLENGE_SECONDS),
        hmac_secret=_hmac_secret("challenge"),
        hmac_key_secret=_hmac_secret("key"),
    )
    return challenge.to_dict()


def verify(payload: str) -> bool:
    """True for the solution of a challenge we issued, unexpired and not used before."""
    try:
        result = altcha.verify_solution(
            payload, _hmac_secret("challenge"), hmac_key_secret=_hmac_secret("key")
        )
    except (ValueError, TypeError, AttributeError):  # a payload of the wrong shape
        return False
    if not result.verified:
        return False
    return _first_use(altcha.Payload.from_base64(payload).challenge.parameters.nonce)


def _first_use(nonce: str) -> bool:
    """Record a solved challenge's nonce, so one solution sends one form."""
    try:
        return bool(redis_client().set(f"altcha:used:{nonce}", 1, nx=True, ex=CHALLENGE_SECONDS))
    except DOWN:
        # Fail open as the rate limits do (allout.ratelimit): the solution is still valid.
        return True


def _too_many_challenges(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"error": "Too many challenges."}, status=429)


@never_cache
@require_safe
@ratelimit(
    "altcha-challenge",
    limit=CHALLENGE_LIMIT,
    period=CHALLENGE_PERIOD,
    methods=("GET", "HEAD"),
    refused=_too_many_challenges,
)
def challenge(request: HttpRequest) -> JsonResponse:
    """A fresh challenge for the widget; never cached, by us or anyone between."""
    response = JsonResponse(new_challenge())
    response["Cache-Control"] = "no-store"
    return response


# --- The form field ---------------------------------------------------------------------
def started_token(at: float | None = None) -> str:
    """The signed time a form was rendered (now, unless `at` says when)."""
    return signing.dumps(time.time() if at is None else at, salt=_STARTED_SALT)


@pages.per_visitor("started")
def _started_now(request: HttpRequest, given: str) -> str:
    return started_token()


def seconds_since(token: str) -> float | None:
    """Seconds since the form carrying `token` was rendered; None for a forged one."""
    try:
        started = signing.loads(token, salt=_STARTED_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(started, int | float):
        return None
    return time.time() - started


class AntiBotWidget(forms.Widget):
    """The honeypot, the rendering timestamp and the ALTCHA widget, as one hidden field.

    Hidden, so `form.as_p` (allauth's pages) renders it without a label.
    """

    input_type = "hidden"
    template_name = "antibot/widget.html"

    def value_from_datadict(self, data, files, name: str) -> dict[str, str]:
        return {
            "honeypot": data.get(HONEYPOT_NAME, ""),
            "started": data.get(STARTED_NAME, ""),
            "altcha": data.get(ALTCHA_NAME, ""),
        }

    def value_omitted_from_data(self, data, files, name: str) -> bool:
        return False

    def get_context(self, name: str, value: Any, attrs: dict | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        # A form shown again with its errors keeps the time it was first shown: someone
        # fixing one typo is quicker than the minimum fill time.
        started = value.get("started", "") if isinstance(value, dict) else ""
        if not started or seconds_since(started) is None:
            started = pages.hole("started") or started_token()
        context["antibot"] = {
            "honeypot_name": HONEYPOT_NAME,
            "honeypot_id": f"{attrs.get('id', name) if attrs else name}_{HONEYPOT_NAME}",
            "started_name": STARTED_NAME,
            "started": started,
            "altcha_enabled": settings.ALTCHA_ENABLED,
            "altcha_name": ALTCHA_NAME,
            "challenge_url": reverse("altcha_challenge"),
            "strings": json.dumps({key: str(text) for key, text in WIDGET_STRINGS.items()}),
        }
        return context

    def render(self, name: str, value: Any, attrs=None, renderer=None) -> SafeString:
        # The project's templates, not the form renderer's (which sees only Django's own).
        html = loader.render_to_string(self.template_name, self.get_context(name, value, attrs))
        return mark_safe(html)  # noqa: S308  # a template's output, escaped as it rendered


# The ALTCHA widget's own words, in the page's language (its `strings` attribute); the
# widget knows only English. The audio and image challenges are never used here.
WIDGET_STRINGS = {
    "label": _("I'm not a robot"),
    "verified": _("Verified"),
    "verifying": _("Verifying..."),
    "waitAlert": _("Verifying... please wait."),
    "verificationRequired": _("Verification required!"),
    "error": _("Verification failed. Try again later."),
    "expired": _("Verification expired. Try again."),
    "loading": _("Loading..."),
    "reload": _("Reload"),
    "verify": _("Verify"),
    "cancel": _("Cancel"),
    "ariaLinkLabel": _("ALTCHA (official website)"),
    # The widget writes this as HTML: the link to ALTCHA's site, as in its own footer.
    "footer": _(
        'Protected by <a href="https://altcha.org/" tabindex="-1" target="_blank" '
        'rel="noopener" aria-label="ALTCHA (official website)">ALTCHA</a>'
    ),
}


class AntiBotField(forms.Field):
    widget = AntiBotWidget

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", "")
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> dict[str, str]:
        return value if isinstance(value, dict) else {}


class AntiBotMixin:
    """Put first among a form's bases; give it `antibot_scope` and the request.

    `antibot_scope` names the form in the no-JavaScript limit. After `is_valid()`,
    `trapped` is True for a submission a person would not send.
    """

    antibot_scope: str
    fields: dict[str, forms.Field]
    cleaned_data: dict[str, Any]
    _errors: Any

    def __init__(self, *args, request: HttpRequest | None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        self.trapped = False
        self.fields["antibot"] = AntiBotField()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()  # type: ignore[misc]
        values = cleaned.pop("antibot", None) or {}
        if settings.FORM_TRAPS_ENABLED and self._looks_automated(values):
            self.trapped = True
            return cleaned
        # Only a form that is otherwise right spends a source's no-JavaScript allowance.
        if settings.ALTCHA_ENABLED and not self._errors:
            error = self._proof_of_work_error(values.get("altcha", ""))
            if error:
                self.add_error(None, error)  # type: ignore[attr-defined]
        return cleaned

    def _looks_automated(self, values: dict[str, str]) -> bool:
        if values.get("honeypot"):
            return True
        elapsed = seconds_since(values.get("started", ""))
        return elapsed is None or elapsed < settings.FORM_MIN_FILL_SECONDS

    def _proof_of_work_error(self, payload: str) -> str | None:
        if payload:
            if verify(payload):
                return None
            return str(_("The check that you are not a robot failed. Please send the form again."))
        # No solution: a browser without JavaScript, or a script. Both pass, slowly.
        source = client_key(self.request) if self.request is not None else ""
        scope = f"antibot-nojs:{self.antibot_scope}"
        if is_limited(scope, source, limit=settings.ALTCHA_NOJS_LIMIT, period=NOJS_PERIOD):
            return str(
                _(
                    "Too many forms were sent from your network without JavaScript. "
                    "Please turn JavaScript on, or try again in an hour."
                )
            )
        return None
