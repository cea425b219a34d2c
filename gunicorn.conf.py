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
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms'  # the fields are written as JSON by the formatter below
# Every log line is JSON on stdout: gunicorn's error log (gunicorn.error, by default plain text on stderr) and
# its access log with the project's formatters; the application's own logs follow settings.LOGGING.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "inventory_site.logging.JsonFormatter"},
        "access": {"()": "inventory_site.logging.AccessJsonFormatter"},
    },
    "handlers": {
        "stdout": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"},
        "access": {"class": "logging.StreamHandler", "formatter": "access", "stream": "ext://sys.stdout"},
    },
    "root": {"level": "INFO", "handlers": ["stdout"]},
    "loggers": {
        "gunicorn.error": {"level": _env("LOG_LEVEL", "INFO").upper(), "handlers": ["stdout"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["access"], "propagate": False},
    },
}
