"""django-allauth, made to keep the platform's promises: its emails go through the outbox,
its rate limits key on the platform's keyed hash, a sign-up never tells whether the address
has an account, and login limits cannot be used to lock an owner out."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode, urlsplit

from allauth.account.adapter import DefaultAccountAdapter, get_adapter
from allauth.account.authentication import get_authentication_records
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.account.internal.flows import signup as allauth_signup_flows
from allauth.account.utils import get_next_redirect_url
from allauth.core import context as allauth_context
from allauth.core.internal import ratelimit as allauth_ratelimit
from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from allout import emails, privacy
from allout.ratelimit import client_key, hashed, is_limited

# One verification email (or "you already have an account") per address in this time: the
# links of the one already sent stay valid, so nothing is lost by not sending another.
VERIFICATION_EMAIL_COOLDOWN = 180


def current_site() -> SimpleNamespace:
    """What allauth's templates call the site (django.contrib.sites is not installed, and
    allauth's own fallback is lost when send_mail is overridden)."""
    return SimpleNamespace(name=settings.SITE_NAME, domain=urlsplit(settings.SITE_URL).netloc)


def passed_two_factor(request: HttpRequest) -> bool:
    """Whether the person in this session gave their second factor since they logged in.

    allauth records each step of a login in the session ("password", then "mfa" once the
    code was right); the record is dropped when the session ends. Having two-factor turned on
    for the account is not enough: a session opened before it was, or opened without it, has
    not proved anything. Removing the authenticator later withdraws the proof as well.
    """
    user = request.user
    if not user.is_authenticated:
        return False
    records = get_authentication_records(request, user)
    return any(record.get("method") == "mfa" for record in records) and is_mfa_enabled(user)


class AccountAdapter(DefaultAccountAdapter):
    """Sends django-allauth's emails (verification, password reset, notifications of changes
    to an account) through the outbox."""

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        context = {
            "current_site": current_site(),
            "email": email,
            **context,
            "site_name": settings.SITE_NAME,
            "site_url": settings.SITE_URL,
            "data_url": privacy.data_request_url(email),
        }
        message = self.render_mail(template_prefix, email, context)
        emails.account_message(template_prefix, message)

    def get_email_confirmation_url(self, request: HttpRequest | None, emailconfirmation) -> str:
        """The verification link, carrying the page the person was on when they signed up
        (the event form, say), so that confirming from any browser leads back to it."""
        url = super().get_email_confirmation_url(request, emailconfirmation)
        next_url = get_next_redirect_url(request) if request is not None else None
        return f"{url}?{urlencode({'next': next_url})}" if next_url else url

    def get_client_ip(self, request: HttpRequest) -> str:
        """A keyed hash, never the address: allauth keys its rate limits on this."""
        return client_key(request)

    # --- Sign-up answers alike for a new and a known address -------------------------------
    # allauth's own cooldown ("confirm_email", switched off in settings) skips the "Confirmation
    # email sent to X" message along with the email, so a second try told apart an address
    # that had just been sent something. Here the email is skipped and the page stays the same.
    def send_confirmation_mail(self, request: HttpRequest, emailconfirmation, signup: bool) -> None:
        if not _verification_email_cooling_down(emailconfirmation.email_address.email):
            super().send_confirmation_mail(request, emailconfirmation, signup)

    def send_account_already_exists_mail(self, email: str) -> None:
        if getattr(allauth_context.request, _SILENT_SIGNUP, False):
            return
        if not _verification_email_cooling_down(email):
            super().send_account_already_exists_mail(email)

    # --- Login limits that cannot lock an owner out ----------------------------------------
    # allauth counts failed logins per account from everywhere ("login_failed" per key), so
    # five wrong passwords from anywhere refused the owner's right one. In settings that
    # count is raised far above what a person mistypes; the low limit counts per account and
    # source together ("login_failed_from_source"), here.
    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        from_source = allauth_ratelimit.consume(
            request,
            app="allauth.account",
            action="login_failed_from_source",
            key=_from_source(request, self._get_login_attempts_cache_key(request, **credentials)),
        )
        if not from_source:
            raise self.validation_error("too_many_login_attempts")
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            from_source.rollback()
            raise
        # allauth rolls this usage back when the password is right: the same for both counts.
        self._login_failed_rl_usage.usage.extend(from_source.usage)

    def _delete_login_attempts_cached_email(self, request: HttpRequest, **credentials: Any) -> None:
        """A password reset clears the account's failed logins, those from here included."""
        super()._delete_login_attempts_cached_email(request, **credentials)
        allauth_ratelimit.clear(
            request,
            app="allauth.account",
            action="login_failed_from_source",
            key=_from_source(request, self._get_login_attempts_cache_key(request, **credentials)),
        )


def _verification_email_cooling_down(email: str) -> bool:
    return is_limited(
        "verification_email",
        hashed(email.lower()),
        limit=1,
        period=VERIFICATION_EMAIL_COOLDOWN,
    )


def _from_source(request: HttpRequest, account: str) -> str:
    return f"{account}|{client_key(request)}"


# Set on a request whose sign-up is answered as usual and sends nothing (a trapped bot's).
_SILENT_SIGNUP = "allout_silent_signup"


def answer_signup_silently(request: HttpRequest, email: str, password: str):
    """The answer a known address gets (the same redirect, message and session), with no
    account made and no email sent: for a sign-up the anti-automation checks trapped, which
    must not learn that from the page."""
    make_password(password)  # the work a real sign-up does, so the time says nothing either
    setattr(request, _SILENT_SIGNUP, True)
    return allauth_signup_flows.prevent_enumeration(request, email=email)


class SignupForm(AllauthSignupForm):
    def try_save(self, request: HttpRequest):
        if self.account_already_exists:
            # A new address costs a password hash (the account is created with it); without
            # one here a known address answered in a quarter of the time.
            make_password(self.cleaned_data["password1"])
        return super().try_save(request)


# --- The two-factor step: the same two limits as the password --------------------------------
# allauth counts wrong codes per account ("login_failed" with the user's key, the high limit);
# these forms add the low limit per account and source.
def _check_code_from_source(user: AbstractBaseUser):
    request = allauth_context.request
    key = _from_source(request, f"mfa-auth-user-{user.pk}")
    usage = allauth_ratelimit.consume(
        request, app="allauth.account", action="login_failed_from_source", key=key
    )
    if not usage:
        raise get_adapter().validation_error("too_many_login_attempts")
    return lambda: allauth_ratelimit.clear(
        request, app="allauth.account", action="login_failed_from_source", key=key
    )


class TwoFactorAuthenticateForm(AuthenticateForm):
    def clean_code(self) -> str:
        cleared = _check_code_from_source(self.user)
        code = super().clean_code()
        cleared()
        return code


class TwoFactorReauthenticateForm(ReauthenticateForm):
    def clean_code(self) -> str:
        cleared = _check_code_from_source(self.user)
        code = super().clean_code()
        cleared()
        return code


def notify_email_added(
    request: HttpRequest, user: AbstractBaseUser, email_address, **kwargs
) -> None:
    """allauth announces a removed address and a new primary one, not an added one."""
    get_adapter(request).send_notification_mail(
        "account/email/email_added", user, {"added_email": email_address.email}
    )
