#!/usr/bin/env bash
# `make run`: prepare a fresh clone and serve http://127.0.0.1:8000 in the foreground.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

touch .env
random() { "$PY" -c 'import secrets,sys; print(secrets.token_urlsafe(int(sys.argv[1])))' "$1"; }
if [ -z "${DJANGO_SECRET_KEY:-}" ] && ! grep -q '^DJANGO_SECRET_KEY=' .env; then
  echo "DJANGO_SECRET_KEY=$(random 48)" >> .env
  echo "Wrote a random DJANGO_SECRET_KEY into .env"
fi
grep -q '^DEMO_ADMIN_PASSWORD=.' .env || echo "DEMO_ADMIN_PASSWORD=admin-$(random 9)7" >> .env
grep -q '^DEMO_STAFF_PASSWORD=.' .env || echo "DEMO_STAFF_PASSWORD=staff-$(random 9)7" >> .env
set -a; . ./.env; set +a

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
  # One process: the local-memory cache and the in-process jobs are not shared between processes.
  .venv/bin/gunicorn inventory_site.wsgi -c gunicorn.conf.py --bind 127.0.0.1:8000 --workers 1 --threads 8 & pids+=($!)
fi
wait -n "${pids[@]}"
