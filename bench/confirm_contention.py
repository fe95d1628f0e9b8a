"""Whether concurrent confirmations queue on the petition's counter (see README.md).

For each variant, a scratch petition gets `--signatures` unconfirmed signatures; then
`--processes` x `--threads` workers (64 by default: 16 processes of 4 threads, each thread
with its own database connection; processes, so the GIL does not serialize them first)
are released together and confirm them all through `petitions.services.confirm()`, each
confirmation its own transaction, as the confirm link does. A sampler in this process
reads pg_stat_activity every few milliseconds and counts this database's backends waiting
on a lock (`wait_event_type = 'Lock'`; `log_lock_waits` is a server setting, left alone).

Variants, run in turn in the same run (`--rounds` times each, interleaved):

- `1 shard`: PetitionCounter.SHARDS = 1, so every confirmation updates one counter row:
  the same single-row `count = count + 1` inside the confirming transaction as the old
  `Petition.signature_count` column.
- `64 shards` (or each of `--shards`): the shipped setting, a row per `pk % SHARDS`.
- `no counter`: the control, only the confirmation's conditional UPDATE of the signature.

After each run the sum of the shards must equal the confirmed rows (else the script
fails), and the petition is read back 500 times with its count summed from the shards
(`with_signature_count()`, as the page does; the control's has no shard rows). The
scratch petitions are deleted at the end.

    DATABASE_URL=postgis://postgres@127.0.0.1:5432/<a migrated scratch db> \\
    REDIS_URL=redis://127.0.0.1:6379/<its redis db> \\
      .venv/bin/python bench/confirm_contention.py --signatures 4000 --rounds 3
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import secrets
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "allout.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(40))
os.environ.setdefault("ALLOWED_HOSTS", "localhost")

import django  # noqa: E402

django.setup()

from django.db import connection, connections  # noqa: E402
from django.utils import timezone  # noqa: E402

from petitions import services  # noqa: E402
from petitions.models import Petition, PetitionCounter, Signature  # noqa: E402

SAMPLE_SECONDS = 0.005
LOCK_WAITERS = """
    SELECT count(*) FILTER (WHERE wait_event_type = 'Lock'),
           count(*) FILTER (WHERE state = 'active')
    FROM pg_stat_activity
    WHERE datname = current_database() AND pid <> pg_backend_pid()
"""


def make_petition(signatures: int) -> Petition:
    tag = secrets.token_hex(4)
    petition = Petition.objects.create(
        slug=f"bench-confirm-{tag}", title="Bench", summary="Bench", text="Bench", author="Bench"
    )
    Signature.objects.bulk_create(
        Signature(
            petition=petition,
            first_name="Bench",
            last_name="Signer",
            email=f"bench-{tag}-{n}@example.org",
            email_normalized=f"bench-{tag}-{n}@example.org",
            country="DE",
        )
        for n in range(signatures)
    )
    return petition


def confirm_without_counter(signature: Signature) -> None:
    """The control: the confirmation's own conditional UPDATE and commit, and nothing else."""
    Signature.objects.unconfirmed().filter(pk=signature.pk).update(confirmed_at=timezone.now())


def run_thread(pks: list[int], variant: str, ready: threading.Barrier, go) -> None:
    """Confirm `pks` one transaction at a time, as the confirm link does, once `go` is set."""
    connection.ensure_connection()  # connect before the clock starts
    ready.wait()
    go.wait()
    try:
        for pk in pks:
            signature = Signature.objects.select_related("petition").get(pk=pk)
            if variant == "control":
                confirm_without_counter(signature)
            else:
                services.confirm(signature)
    finally:
        connections.close_all()


def run_process(pks: list[int], variant: str, shards: int, threads: int, ready, go) -> None:
    """One worker process: `threads` threads, each with its own connection."""
    PetitionCounter.SHARDS = shards
    barrier = threading.Barrier(threads, action=ready.release)
    workers = [
        threading.Thread(target=run_thread, args=(pks[n::threads], variant, barrier, go))
        for n in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def sample_locks(stop: threading.Event, samples: list[tuple[int, int]]) -> None:
    with connections["default"].cursor() as cursor:
        while not stop.is_set():
            cursor.execute(LOCK_WAITERS)
            samples.append(cursor.fetchone())
            time.sleep(SAMPLE_SECONDS)
    connections.close_all()


def measure(variant: str, shards: int, signatures: int, processes: int, threads: int) -> dict:
    """Confirm every signature of a fresh petition from processes x threads workers."""
    petition = make_petition(signatures)
    pks = list(Signature.objects.filter(petition=petition).values_list("pk", flat=True))
    # Confirmation links are clicked in any order: without the shuffle, the slices below
    # would give each process's threads pks of one residue, so one shard, every time.
    random.Random(signatures).shuffle(pks)
    connections.close_all()  # the children open their own
    context = multiprocessing.get_context("fork")
    ready, go = context.Semaphore(0), context.Event()
    children = [
        context.Process(
            target=run_process, args=(pks[n::processes], variant, shards, threads, ready, go)
        )
        for n in range(processes)
    ]
    for child in children:
        child.start()
    for _ in children:
        ready.acquire()  # every thread of every child is connected
    stop, samples = threading.Event(), list[tuple[int, int]]()
    sampler = threading.Thread(target=sample_locks, args=(stop, samples))
    sampler.start()
    started = time.perf_counter()
    go.set()
    for child in children:
        child.join()
    elapsed = time.perf_counter() - started
    stop.set()
    sampler.join()
    assert all(child.exitcode == 0 for child in children), "a worker failed"

    confirmed = Signature.objects.confirmed().filter(petition=petition).count()
    counted = Petition.objects.get(pk=petition.pk).signature_count
    assert confirmed == signatures, (confirmed, signatures)
    assert counted == (0 if variant == "control" else confirmed), (counted, confirmed)
    read = read_ms(petition)
    petition.delete()
    waiting = [locks for locks, _ in samples]
    return {
        "rate": signatures / elapsed,
        "waiting": statistics.mean(waiting),
        "peak": max(waiting),
        "share": sum(1 for locks in waiting if locks) / len(waiting),
        "read": read,
    }


def read_ms(petition: Petition, reads: int = 500) -> float:
    """The petition page's load of the petition with its count summed from the shards."""
    started = time.perf_counter()
    for _ in range(reads):
        Petition.objects.with_signature_count().get(pk=petition.pk)
    return (time.perf_counter() - started) / reads * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--signatures", type=int, default=4000, help="per run")
    parser.add_argument("--processes", type=int, default=16)
    parser.add_argument("--threads", type=int, default=4, help="per process")
    parser.add_argument(
        "--shards", type=int, nargs="+", default=[PetitionCounter.SHARDS], help="one run each"
    )
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    variants = [
        ("1 shard (one counter row, as before)", "counter", 1),
        *[(f"{shards} shards", "counter", shards) for shards in args.shards],
        ("no counter (control)", "control", 1),
    ]
    results: dict[str, list[dict]] = {label: [] for label, _, _ in variants}
    for _ in range(args.rounds):
        for label, variant, shards in variants:
            results[label].append(
                measure(variant, shards, args.signatures, args.processes, args.threads)
            )

    workers = args.processes * args.threads
    control = statistics.median(r["rate"] for r in results[variants[-1][0]])
    print(
        f"{workers} concurrent confirmations ({args.processes} processes x {args.threads}"
        f" threads), {args.signatures:,} signatures per run, median of {args.rounds} runs,"
        f" load average {os.getloadavg()[0]:.1f}\n"
    )
    print(
        "| counter | confirms/s | vs control | backends waiting on a lock (mean) "
        "| peak | samples with a lock wait | read with the count (ms) |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for label, runs in results.items():
        rate = statistics.median(r["rate"] for r in runs)
        print(
            f"| {label} | {rate:,.0f} | {rate / control:.2f} "
            f"| {statistics.median(r['waiting'] for r in runs):.1f} "
            f"| {max(r['peak'] for r in runs)} "
            f"| {statistics.median(r['share'] for r in runs):.0%} "
            f"| {statistics.median(r['read'] for r in runs):.2f} |"
        )


if __name__ == "__main__":
    main()
