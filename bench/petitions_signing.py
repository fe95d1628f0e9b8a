"""Signing throughput: the real sign view against a floor view, in the same run.

gunicorn (4 sync workers, as in docker-compose.yml) serves the platform on loopback with
DEBUG off, the outbox relay beside it; locust drives it, alternating floor and real rounds
so both see the same machine. Each request signs a new address from a new client address.
Every real signature writes its row and an outbox email, which the relay publishes as a
Celery task (to a queue of its own, purged at the end; no worker runs, so sending costs
nothing here).

    DATABASE_URL=postgis://... REDIS_URL=redis://127.0.0.1:6379/12 \\
        .venv/bin/python bench/petitions_signing.py [--seconds 20] [--users 16] [--rounds 2] \\
        [--baseline DIR]

`--baseline DIR` also serves another checkout (an older commit: `git worktree add DIR
<commit>`, or `git archive <commit> | tar -x -C DIR`) on a second port, against the same
database, and adds its sign rounds to the same run. It creates two petitions
(bench-signing, bench-floor) and deletes them, their signatures and emails afterwards.
Figures and how to read them: bench/README.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import common

common.setup()

from django.core.cache import cache  # noqa: E402

from allout.models import OutboxEmail  # noqa: E402
from petitions.models import Petition, Signature  # noqa: E402

SIGN_SLUG = "bench-signing"
FLOOR_SLUG = "bench-floor"
BENCH_EMAILS = "@bench.invalid"


def petitions() -> tuple[Petition, Petition]:
    made = []
    for slug in (SIGN_SLUG, FLOOR_SLUG):
        petition, _ = Petition.objects.update_or_create(
            slug=slug,
            defaults={
                "title": f"Benchmark ({slug})",
                "summary": "Benchmark petition.",
                "text": "Benchmark.",
                "author": "Benchmark",
                "goal": 1_000_000,
            },
        )
        made.append(petition)
    return made[0], made[1]


def clean() -> None:
    """Delete the benchmark's petitions, signatures and emails (left over or made now)."""
    Signature.objects.filter(petition__slug__in=[SIGN_SLUG, FLOOR_SLUG]).delete()
    Petition.objects.filter(slug__in=[SIGN_SLUG, FLOOR_SLUG]).delete()
    OutboxEmail.objects.filter(to__endswith=BENCH_EMAILS).delete()
    # And the cache (REDIS_URL's database): a baseline checkout keys its cached petition by
    # its own code's digest, which no bump from this process reaches, so it would serve the
    # petition of an earlier run, deleted since, and fail every signature on its foreign key.
    cache.clear()


def main() -> None:
    args = common.arguments(__doc__.split("\n\n")[0])
    clean()
    sign_petition, floor_petition = petitions()
    comparison = common.Comparison(
        name="sign",
        floor_user="FloorUser",
        real_user="SignUser",
        env={"BENCH_SIGN_SLUG": SIGN_SLUG, "BENCH_FLOOR_PETITION_ID": str(floor_petition.pk)},
        noun="signatures",
    )
    common.compare(
        args,
        comparison,
        stored=lambda: Signature.objects.filter(petition=sign_petition).count(),
        emails=lambda: OutboxEmail.objects.filter(to__endswith=BENCH_EMAILS),
        clean=clean,
    )


if __name__ == "__main__":
    main()
