"""Background jobs: RQ queues with Redis, in-process after commit without (the embedded default)."""

import functools
import logging

from django.conf import settings
from django.db import close_old_connections, connection, transaction

log = logging.getLogger(__name__)


def db_job(func):
    """Wrap a job function: the non-forking worker keeps its connection between jobs, so refresh it."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        _refresh_connections()
        try:
            return func(*args, **kwargs)
        finally:
            _refresh_connections()

    return wrapper


def _refresh_connections() -> None:
    # Run inside an open transaction (called directly, or in-process within a test's transaction), the
    # connection belongs to the caller: closing it would break the caller's transaction.
    if not connection.in_atomic_block:
        close_old_connections()


@functools.lru_cache(maxsize=32)
def _queue(name: str, url: str):
    """One queue and Redis client per process (django_rq.get_queue opens a new connection on every call)."""
    import django_rq
    import redis

    return django_rq.get_queue(
        name, connection=redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5), commit_mode="auto"
    )


def enqueue_now(func, *args, queue: str = "default"):
    """Enqueue immediately (callers outside a transaction, e.g. the re-enqueue loop)."""
    if settings.JOBS_IN_PROCESS:
        return func(*args)
    return _queue(queue, settings.RQ_QUEUES[queue]["URL"]).enqueue(func, *args)


def enqueue_on_commit(func, *args, queue: str = "default") -> None:
    """Run ``func(*args)`` once the current transaction commits.

    ``robust=True``: a Redis outage at that moment is logged, never turned into an error for a request
    whose data is already committed; periodic recovery picks the work up again.
    """

    def enqueue():
        enqueue_now(func, *args, queue=queue)

    # Django logs a failing robust hook by its __qualname__ (a functools.partial has none and would raise).
    enqueue.__qualname__ = f"enqueue_on_commit({getattr(func, '__qualname__', func)})"
    transaction.on_commit(enqueue, robust=True)
