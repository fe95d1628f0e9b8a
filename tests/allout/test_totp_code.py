"""`manage.py totp_code` prints the demo moderator's current code, as the README says."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.core.management import CommandError, call_command

from allout import demo
from tests.conftest import ROOT

pytestmark = pytest.mark.django_db


def test_the_code_it_prints_signs_the_demo_moderator_in(settings):
    settings.DEBUG = True
    moderator, _ = demo.make_user(demo.STAFF, staff=True)
    out = io.StringIO()
    call_command("totp_code", stdout=out)
    email, code = out.getvalue().strip().split(": ")
    assert email == demo.STAFF.email and re.fullmatch(r"\d{6}", code)
    assert TOTP(Authenticator.objects.get(user=moderator, type="totp")).validate_code(code)


def test_outside_development_it_refuses_and_says_what_to_run(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="make totp"):
        call_command("totp_code", stdout=io.StringIO())


def readme_commands(needle: str) -> list[str]:
    """The lines of the README's shell blocks that contain `needle`, comments dropped."""
    blocks = re.findall(r"```sh\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    lines = [line.split("#")[0].strip() for block in blocks for line in block.splitlines()]
    return [line for line in lines if needle in line]


def test_the_readmes_command_works_as_written_in_a_plain_shell():
    (command,) = readme_commands("manage.py totp_code")
    # As a new shell has it: no DEBUG, no SECRET_KEY. The test's own interpreter stands in
    # for .venv/bin/python, which is the same one when `make test` runs.
    env = {key: value for key, value in os.environ.items() if key not in {"DEBUG", "SECRET_KEY"}}
    command = command.replace(".venv/bin/python", sys.executable)
    result = subprocess.run(
        ["bash", "-c", command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(rf"{re.escape(demo.STAFF.email)}: \d{{6}}\n", result.stdout)
