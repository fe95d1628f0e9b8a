"""Each checkout on a machine uses its own database and Redis databases by default."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.conftest import ROOT
from tests.testenv import checkout_defaults

NAMES = ("DATABASE_URL", "REDIS_URL", "TEST_REDIS_URL")


def make_env(checkout: Path, **environment: str) -> dict[str, str]:
    """What `make env` prints for `checkout`, with none of NAMES set but those given."""
    env = {key: value for key, value in os.environ.items() if key not in NAMES}
    env.pop("MAKEFLAGS", None)  # when run by `make test`
    output = subprocess.run(
        ["make", "-s", "--no-print-directory", "-C", str(checkout), "env"],
        env={**env, **environment},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return dict(line.split("=", 1) for line in output.splitlines())


def test_the_makefile_and_a_bare_pytest_derive_the_same_names():
    assert make_env(ROOT) == checkout_defaults(ROOT)


def test_two_checkouts_get_different_names(tmp_path):
    other = tmp_path / "another-checkout"
    other.mkdir()
    shutil.copy(ROOT / "Makefile", other / "Makefile")
    mine, theirs = make_env(ROOT), make_env(other)
    assert theirs == checkout_defaults(other)
    assert mine["DATABASE_URL"] != theirs["DATABASE_URL"]


def test_serving_and_testing_never_share_a_redis_database(tmp_path):
    for number in range(40):
        names = checkout_defaults(tmp_path / f"checkout-{number}")
        serving = int(names["REDIS_URL"].rsplit("/", 1)[1])
        testing = int(names["TEST_REDIS_URL"].rsplit("/", 1)[1])
        assert 1 <= serving <= 15 and 1 <= testing <= 15 and serving != testing


def test_the_environment_wins_over_the_derived_names():
    names = make_env(
        ROOT, DATABASE_URL="postgis://db.internal/allout", TEST_REDIS_URL="redis://r/3"
    )
    assert names["DATABASE_URL"] == "postgis://db.internal/allout"
    assert names["TEST_REDIS_URL"] == "redis://r/3"
    assert names["REDIS_URL"] == checkout_defaults(ROOT)["REDIS_URL"]
