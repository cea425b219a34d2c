"""gunicorn settings: `gunicorn inventory_site.wsgi -c gunicorn.conf.py`.

An empty variable means its default, as in the Django settings (`.env.example` leaves several empty).
"""

import multiprocessing
import os


def _env(name: str, default):
    value = os.environ.get(name, "").strip()
    return type(default)(value) if value else default


bind = _env("GUNICORN_BIND", "0.0.0.0:8000")
workers = _env("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1)
threads = _env("GUNICORN_THREADS", 2)
timeout = _env("GUNICORN_TIMEOUT", 30)
graceful_timeout = 20
keepalive = 5
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
access_log_format = '{"at":"%(t)s","remote":"%(h)s","request":"%(r)s","status":%(s)s,"bytes":"%(b)s","ms":%(M)s}'
