"""Background jobs: RQ queues with Redis, in-process after commit without (the embedded default)."""

import contextlib
import functools
import logging
import os
import threading
import time
from collections.abc import Callable

import django_rq
import redis
from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils.module_loading import import_string
from rq.exceptions import DuplicateJobError

log = logging.getLogger(__name__)


def db_job(func):
    """Wrap a job function: the non-forking worker keeps its connection between jobs, so refresh it."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        refresh_connections()
        try:
            return func(*args, **kwargs)
        finally:
            refresh_connections()

    return wrapper


def refresh_connections() -> None:
    """Drop a broken or expired database connection between jobs or scheduler ticks."""
    # Run inside an open transaction (called directly, or in-process within a test's transaction), the
    # connection belongs to the caller: closing it would break the caller's transaction.
    if not connection.in_atomic_block:
        close_old_connections()


@functools.lru_cache(maxsize=32)
def _queue(name: str, url: str):
    """One queue and Redis client per process (django_rq.get_queue opens a new connection on every call)."""
    return django_rq.get_queue(
        name, connection=redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5), commit_mode="auto"
    )


# A job id waits at most once on its queue. rq pushes an existing id onto the list again on every enqueue,
# and the scheduler re-enqueues on every tick: without this, one order had a hundred copies after an outage.
# Atomically: if the id already waits on the queue, do nothing; else drop its stale hash (finished, failed,
# or abandoned by a worker that lost Redis) so that rq's unique enqueue (check, save, push; also atomic) takes it.
_CLEAR_UNLESS_WAITING = """
if redis.call('LPOS', KEYS[2], ARGV[1]) then return 0 end
redis.call('DEL', KEYS[1])
return 1
"""


Job = Callable | str  # a job function, or its dotted path ("orders.jobs.process_order"), which rq accepts too


def enqueue_now(func: Job, *args, queue: str = "default", job_id: str | None = None) -> bool:
    """Enqueue immediately (callers outside a transaction, e.g. the re-enqueue loop). Returns whether a job
    was enqueued (or run in-process): with ``job_id``, not when that id is already waiting on the queue.

    ``func`` may be a dotted path, so that a service enqueues a job of a module that imports the service."""
    if settings.JOBS_IN_PROCESS:
        (import_string(func) if isinstance(func, str) else func)(*args)
        return True
    rq_queue = _queue(queue, settings.RQ_QUEUES[queue]["URL"])
    if job_id is None:
        rq_queue.enqueue(func, *args)
        return True
    return _enqueue_once(rq_queue, func, args, job_id)


def _enqueue_once(rq_queue, func: Job, args, job_id: str) -> bool:
    clear = rq_queue.connection.register_script(_CLEAR_UNLESS_WAITING)
    if not clear(keys=[rq_queue.job_class.key_for(job_id), rq_queue.key], args=[job_id]):
        return False
    try:
        rq_queue.enqueue(func, *args, job_id=job_id, unique=True)
    except DuplicateJobError:  # another process enqueued it between the two steps
        return False
    return True


def requeue(func: Job, jobs, *, what: str) -> int:
    """Enqueue ``func(arg)`` for each ``(arg, queue, job_id)`` whose job is not already waiting: the recovery
    of work lost with Redis. Returns how many were enqueued; after three failures (Redis down) it stops and
    leaves the rest for the next run."""
    count = failures = 0
    for arg, queue, job_id in jobs:
        try:
            count += enqueue_now(func, arg, queue=queue, job_id=job_id)
        except Exception:  # noqa: BLE001 - Redis down or a failing in-process job: the next run retries
            log.exception("could not re-enqueue %s %s", what, arg)
            failures += 1
            if failures >= 3:
                break
    return count


def enqueue_on_commit(func: Job, *args, queue: str = "default", job_id: str | None = None) -> None:
    """Run ``func(*args)`` once the current transaction commits (with ``job_id``: see ``enqueue_now``).

    ``robust=True``: a Redis outage at that moment is logged, never turned into an error for a request
    whose data is already committed; periodic recovery picks the work up again.
    """

    def enqueue():
        enqueue_now(func, *args, queue=queue, job_id=job_id)

    # Django logs a failing robust hook by its __qualname__ (a functools.partial has none and would raise).
    enqueue.__qualname__ = f"enqueue_on_commit({getattr(func, '__qualname__', func)})"
    transaction.on_commit(enqueue, robust=True)


_COALESCED: list["Coalesced"] = []
_WORKER_PIDS: set[int] = set()


def in_worker() -> bool:
    """Whether this process is an RQ worker's, working (``inventory_site.worker``): jobs run here anyway, so
    follow-up work poked here may run on its ``Coalesced`` thread rather than go back through Redis as a job."""
    return os.getpid() in _WORKER_PIDS


@contextlib.contextmanager
def worker_process(settle_for: float = 10.0):
    """Mark this process as an RQ worker's while the worker works; when it stops, let what its jobs poked run
    (up to ``settle_for`` seconds: the scheduler's sweep does what a killed worker left)."""
    _WORKER_PIDS.add(os.getpid())
    try:
        yield
    finally:
        settle(settle_for)
        _WORKER_PIDS.discard(os.getpid())


def settle(timeout: float = 10.0) -> None:
    """Wait until every ``Coalesced`` of this process has worked off its pokes (tests that then look at
    what the work did, e.g. run an RQ worker in burst mode on the jobs it enqueued)."""
    deadline = time.monotonic() + timeout
    for coalesced in _COALESCED:
        while coalesced.pending() and time.monotonic() < deadline:
            time.sleep(0.005)


class Coalesced:
    """``work`` on one background thread of this process, soon after ``poke()``; pokes that arrive while it
    runs (or during ``pause`` after it) make one more run, not one each.

    The outbox's relay and senders are kicked on every commit. Enqueueing their RQ job on the request thread
    cost a Lua script and an enqueue (several Redis round trips) per movement; poked here, a worker under load
    enqueues at most once per ``pause`` and the request thread only sets a flag (bench/movements.py)."""

    def __init__(self, name: str, work: Callable[[], object], *, pause: Callable[[], float] = lambda: 0.0):
        self.name, self.work, self.pause = name, work, pause
        self._busy = False
        self._wanted = threading.Event()
        self._start = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0
        _COALESCED.append(self)

    def poke(self) -> None:
        self._wanted.set()
        if not self._running():
            with self._start:
                if not self._running():
                    self._pid = os.getpid()
                    self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
                    self._thread.start()

    def pending(self) -> bool:
        return self._running() and (self._wanted.is_set() or self._busy)

    def _running(self) -> bool:
        thread = self._thread  # a fork leaves the parent's thread behind: a new process starts its own
        return thread is not None and self._pid == os.getpid() and thread.is_alive()

    def _loop(self) -> None:
        while True:
            self._wanted.wait()
            self._busy = True
            self._wanted.clear()
            try:
                self.work()
            except Exception:  # noqa: BLE001 - the scheduler's sweep retries: never kill the thread
                log.exception("%s failed; the scheduler sweep will retry", self.name)
            finally:
                self._busy = False
            pause = self.pause()
            if pause:
                time.sleep(pause)
