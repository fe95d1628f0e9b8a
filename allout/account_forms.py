"""allauth's public forms (sign-up, password reset) with the anti-automation checks.

Named in ACCOUNT_FORMS. allauth's views build these forms without the request, so it is
taken from allauth's own request context (set by its AccountMiddleware).
"""

from __future__ import annotations

from allauth.account import forms as allauth_forms
from allauth.core import context
from django.http import HttpRequest, HttpResponse

from allout import accounts
from allout.antibot import AntiBotMixin


class SignupForm(AntiBotMixin, accounts.SignupForm):
    antibot_scope = "signup"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, request=context.request, **kwargs)

    def try_save(self, request: HttpRequest) -> tuple[object, HttpResponse | None]:
        if self.trapped:  # a bot: the answer any address gets, and no account, no email
            data = self.cleaned_data
            return None, accounts.answer_signup_silently(request, data["email"], data["password1"])
        return super().try_save(request)


class ResetPasswordForm(AntiBotMixin, allauth_forms.ResetPasswordForm):
    antibot_scope = "password-reset"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, request=context.request, **kwargs)

    def save(self, request: HttpRequest, **kwargs) -> str:
        if self.trapped:  # a bot: allauth shows its "email sent" page; nothing is sent
            return self.cleaned_data["email"]
        return super().save(request, **kwargs)
