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

import argparse
import os
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
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=20, help="length of each round")
    parser.add_argument("--users", type=int, default=16, help="concurrent simulated signers")
    parser.add_argument("--rounds", type=int, default=2, help="floor/real pairs")
    parser.add_argument("--baseline", type=Path, help="another checkout to measure beside")
    args = parser.parse_args()

    clean()
    sign_petition, floor_petition = petitions()
    queue = f"bench-petitions-{os.getpid()}"
    port = common.free_port()
    base = f"http://127.0.0.1:{port}"
    processes = [common.serve(port, queue), common.relay(queue)]
    plan = [("floor", "FloorUser", base), ("sign", "SignUser", base)]
    if args.baseline:
        old = common.free_port()
        processes.append(common.serve(old, queue, root=args.baseline, settings="allout.settings"))
        plan.append(("sign (baseline)", "SignUser", f"http://127.0.0.1:{old}"))
    env = {"BENCH_SIGN_SLUG": SIGN_SLUG, "BENCH_FLOOR_PETITION_ID": str(floor_petition.pk)}
    try:
        with common.running(*processes):
            rounds = common.alternate(plan, args.seconds, args.users, args.rounds, env)
        stored = Signature.objects.filter(petition=sign_petition).count()
        emails = OutboxEmail.objects.filter(to__endswith=BENCH_EMAILS)
        published = emails.filter(published_at__isnull=False).count()
        queued = emails.count()
    finally:
        clean()
        common.purge(queue)

    common.report(rounds, args.users, args.seconds, [label for label, _, _ in plan])
    print(
        f"\nsignatures stored by the real views: {stored}; confirmation emails queued: "
        f"{queued}, published: {published}"
    )


if __name__ == "__main__":
    main()
