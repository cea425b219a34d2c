#!/bin/sh
# The image's entrypoint (web, worker, scheduler): drop every empty variable, then run the command.
# compose's env_file passes the empty lines of `.env` (`cp .env.example .env`) on as empty values; empty means
# "default" everywhere, and gunicorn itself dies on an empty WEB_CONCURRENCY before it reads gunicorn.conf.py.
set -e
for name in $(env | sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=$/\1/p'); do
  unset "$name"
done
exec "$@"
