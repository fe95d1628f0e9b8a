"""What `make run` says about email, run through make itself (its email-notice target)."""

from __future__ import annotations

import os
import subprocess

from tests.conftest import ROOT


def email_notice(**env: str) -> str:
    environment = {key: value for key, value in os.environ.items() if key != "EMAIL_URL"}
    result = subprocess.run(
        ["make", "-s", "--no-print-directory", "email-notice"],
        cwd=ROOT,
        env={**environment, **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return result.stdout


def test_without_email_url_make_run_says_the_worker_prints_emails():
    assert email_notice().startswith("Emails are printed by the worker")


def test_with_email_url_make_run_says_where_emails_go_without_the_password():
    out = email_notice(EMAIL_URL="smtp+tls://mailer:s3cret@smtp.example.org:587")
    assert "printed by the worker" not in out
    assert "smtp+tls://mailer:***@smtp.example.org:587" in out
    assert "s3cret" not in out


def test_a_server_without_a_login_is_named_as_it_is():
    assert "smtp://127.0.0.1:1025" in email_notice(EMAIL_URL="smtp://127.0.0.1:1025")
