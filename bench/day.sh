#!/bin/sh
# Issue 11's figures in one run, one benchmark after another (never two at once: they share
# the machine's two CPUs), each one's output in OUT/<name>.txt. Run it on a quiet machine:
# `uptime` before and after is printed beside each.
#
#   sh bench/day.sh [OUT]
#
# It makes a scratch database of its own (allout_day, migrated and loaded with the demo data,
# dropped at the end; hot_pages, spike and faults make their own beside it) and uses Redis
# databases 12 and 13 of the machine's Redis, which it empties: run it where nothing else
# uses them. pg_restart and faults start private PostgreSQL and Redis servers of their own.
# About 35 minutes on the 2-core machine. Figures: bench/README.md.
set -eu
cd "$(dirname "$0")/.."
OUT=${1:-var/bench-day}
mkdir -p "$OUT"
PY=.venv/bin/python
DB=postgis://postgres@127.0.0.1:5432/allout_day
PSQL="psql -h 127.0.0.1 -U postgres -q -v ON_ERROR_STOP=1"
export DEBUG=false SECRET_KEY=day-bench-only-secret-day-bench-only-secret-0123456789 \
    ALLOWED_HOSTS=localhost,127.0.0.1

$PSQL -c "DROP DATABASE IF EXISTS allout_day WITH (FORCE)" -c "CREATE DATABASE allout_day"
$PSQL -d allout_day -c "CREATE EXTENSION postgis"
DATABASE_URL=$DB $PY manage.py migrate -v0
DATABASE_URL=$DB $PY manage.py load_demo > /dev/null

run() {
    name=$1
    shift
    echo "== $name: $* ($(uptime))" | tee "$OUT/$name.txt"
    if "$@" >> "$OUT/$name.txt" 2>&1; then
        echo "== done ($(uptime))" >> "$OUT/$name.txt"
    else
        echo "== FAILED, exit code $? ($(uptime))" | tee -a "$OUT/$name.txt"
    fi
}

R12=redis://127.0.0.1:6379/12
R13=redis://127.0.0.1:6379/13
run hot_pages $PY bench/hot_pages.py --redis $R12 --seconds 5
run signing env DATABASE_URL=$DB REDIS_URL=$R12 $PY bench/petitions_signing.py --rounds 2 --seconds 10
run rsvp env DATABASE_URL=$DB REDIS_URL=$R12 $PY bench/rsvp_signing.py --rounds 2 --seconds 10 --bare
run confirm env DATABASE_URL=$DB REDIS_URL=$R12 $PY bench/confirm_contention.py --signatures 4000 --rounds 3
run spike env DATABASE_URL=$DB REDIS_URL=$R13 $PY bench/spike.py
run drain env DATABASE_URL=$DB REDIS_URL=$R12 $PY bench/outbox_drain.py --rows 20000
run worker_faults env DATABASE_URL=$DB REDIS_URL=$R12 $PY bench/worker_faults.py
run pg_restart env REDIS_URL=$R12 $PY bench/pg_restart.py --seconds 60
run faults env DATABASE_URL=$DB $PY bench/faults.py

$PSQL -c "DROP DATABASE IF EXISTS allout_day WITH (FORCE)"
echo "figures in $OUT"
