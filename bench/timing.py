"""What the timing benches share (bench/signup_timing.py, bench/signing_timing.py): Django
set up as in production (DEBUG off: no query log) with a secret of the run's own, the
exception that rolls a run's rows back, and a markdown row of a list of times."""

from __future__ import annotations

import os
import secrets
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = "| median ms | mean ms | p90 ms | min ms | max ms |"


def setup() -> None:
    """Django set up for a timing bench; call before importing models."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "allout.settings")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(40))
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    import django

    django.setup()


class Rollback(Exception):
    """Raised at the end of a run's transaction: nothing it made is kept."""


def summary(label: str, times: list[float], *, decimals: int = 0) -> str:
    """`| label | count | median | mean | p90 | min | max |`, in milliseconds."""
    times = sorted(times)
    p90 = times[int(len(times) * 0.9) - 1]
    figures = (statistics.median(times), statistics.mean(times), p90, times[0], times[-1])
    return f"| {label} | {len(times)} | " + " | ".join(f"{v:.{decimals}f}" for v in figures) + " |"
