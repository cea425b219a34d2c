#!/usr/bin/env bash
# `make run`: prepare a fresh clone and serve http://127.0.0.1:8000 in the foreground.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

touch .env
random() { "$PY" -c 'import secrets,sys; print(secrets.token_urlsafe(int(sys.argv[1])))' "$1"; }
# True when NAME has no value: neither in the environment nor on a non-empty line of .env
# (`cp .env.example .env` leaves `DJANGO_SECRET_KEY=` empty: empty means "not set").
unset_value() { [ -z "${!1:-}" ] && ! grep -qE "^$1=[\"']?[^\"'[:space:]]" .env; }
# Give NAME a value in .env: fill its empty line in place, or append one.
write_value() {
  if grep -qE "^$1=" .env; then
    awk -v name="$1" -v value="$2" 'index($0, name "=") == 1 && !done { print name "=" value; done = 1; next } { print }' \
      .env > .env.tmp && mv .env.tmp .env
  else
    echo "$1=$2" >> .env
  fi
}
if unset_value DJANGO_SECRET_KEY; then
  write_value DJANGO_SECRET_KEY "$(random 48)"
  echo "Wrote a random DJANGO_SECRET_KEY into .env"
fi
# seed_demo refuses empty or fixed passwords outside debug: always hand it generated ones.
unset_value DEMO_ADMIN_PASSWORD && write_value DEMO_ADMIN_PASSWORD "admin-$(random 9)7"
unset_value DEMO_STAFF_PASSWORD && write_value DEMO_STAFF_PASSWORD "staff-$(random 9)7"
set -a; . ./.env; set +a
# Empty means "default" for every program started here: drop the empty variables .env left behind
# (gunicorn itself dies on an empty WEB_CONCURRENCY before it reads gunicorn.conf.py).
for name in $(grep -oE '^(export )?[A-Za-z_][A-Za-z0-9_]*=' .env | sed -E 's/^export //; s/=$//'); do
  [ -n "${!name:-}" ] || unset "$name"
done

"$PY" manage.py ensure_database
"$PY" manage.py migrate --noinput -v0
"$PY" manage.py collectstatic --noinput -v0
"$PY" manage.py seed_demo

echo
echo "Backends: database=$("$PY" -c 'import os;u=os.environ.get("DATABASE_URL","");print(u.split("@")[-1] if u else "SQLite (db.sqlite3)")')," \
     "cache+jobs=$([ -n "${REDIS_URL:-}" ] && echo "Redis ${REDIS_URL##*@} (RQ worker + scheduler started)" || echo "local memory, jobs in-process (embedded default)")"
echo "Demo logins:  admin@example.com / ${DEMO_ADMIN_PASSWORD}    staff@example.com / ${DEMO_STAFF_PASSWORD}"
echo "Open http://127.0.0.1:8000  (API docs: /docs)   Ctrl-C stops everything."
echo

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM
if [ -n "${REDIS_URL:-}" ]; then
  "$PY" manage.py rqworker high default low & pids+=($!)
  "$PY" manage.py requeue_orders --every 60 & pids+=($!)
  .venv/bin/gunicorn inventory_site.wsgi -c gunicorn.conf.py --bind 127.0.0.1:8000 & pids+=($!)
else
  # One web process: the local-memory cache and the in-process jobs are not shared between processes. The
  # scheduler loop runs beside it (the event outbox's sweep: events a lost kick left, webhook retries, the purge;
  # orders and alerts left pending by a crash), its jobs in its own process.
  # The web process is what make run is for: it ends when the web process ends (Ctrl-C stops both).
  "$PY" manage.py requeue_orders --every 60 & pids+=($!)
  .venv/bin/gunicorn inventory_site.wsgi -c gunicorn.conf.py --bind 127.0.0.1:8000 --workers 1 --threads 8 & pids+=($!)
  web=$!
fi
if [ -n "${web:-}" ]; then wait "$web"; else wait -n "${pids[@]}"; fi
