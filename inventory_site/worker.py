"""The RQ worker class of `manage.py rqworker` (settings ``RQ["WORKER_CLASS"]``): rq's SimpleWorker that
outlives Redis.

rq's own worker quits on the first Redis error outside its dequeue loop (a heartbeat after a job, its
registration at start): one Redis restart and every worker was gone. This one waits for Redis instead, with
capped exponential backoff, wherever the error happens, and carries on where it was. A job interrupted by the
outage is not retried here: its work either committed or rolled back in the database, and the scheduler
re-enqueues whatever is still pending (``requeue_orders``). When Redis comes back empty, the worker registers
itself again so that ``rq:workers`` (``rqinfo``, monitoring) lists it.
"""

import logging
import time

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq.exceptions import StopRequested
from rq.job import Job
from rq.worker import SimpleWorker, WorkerStatus
from rq.worker_registration import register

from inventory_site.jobs import worker_process

log = logging.getLogger(__name__)

REDIS_ERRORS = (RedisConnectionError, RedisTimeoutError)


class ResilientWorker(SimpleWorker):
    backoff_first = 0.5  # seconds before the first retry; doubled up to backoff_max
    backoff_max = 10.0
    max_connection_wait_time = backoff_max  # rq's own retry inside its dequeue loop, capped the same
    connect_timeout = 5  # a Redis host that does not answer at all must not hang a connection attempt

    # --- waiting ---------------------------------------------------------------------------------------------

    def _wait_for_redis(self, error: Exception) -> None:
        """Block until Redis answers a PING, backing off between tries; a stop request ends the wait."""
        delay = self.backoff_first
        log.warning("Worker %s: Redis unreachable (%s); waiting for it", self.name, error)
        while True:
            if self._stop_requested:
                raise StopRequested()
            time.sleep(delay)
            try:
                self.connection.ping()
            except REDIS_ERRORS as again:
                delay = min(delay * 2, self.backoff_max)
                log.warning("Worker %s: Redis still unreachable (%s); next try in %.1f s", self.name, again, delay)
            else:
                log.warning("Worker %s: Redis is back", self.name)
                return

    def _through_outage(self, step, *args, **kwargs):
        """Run one step of the worker's loop; on a Redis error wait for Redis, then run the step again."""
        while True:
            try:
                return step(*args, **kwargs)
            except REDIS_ERRORS as error:
                self._wait_for_redis(error)

    # --- start and stop --------------------------------------------------------------------------------------

    def _set_connection(self, connection):
        connection = super()._set_connection(connection)
        kwargs = connection.connection_pool.connection_kwargs
        if not kwargs.get("socket_connect_timeout"):
            kwargs["socket_connect_timeout"] = self.connect_timeout
        return connection

    def _set_ip_address(self, connection) -> None:
        # The first Redis call, made by __init__: a worker started while Redis is down waits for it.
        self._through_outage(super()._set_ip_address, connection)

    def register_birth(self) -> None:
        self._through_outage(self._register_birth_once)

    def _register_birth_once(self) -> None:
        if self._is_registered():  # our own key, written just before a lost answer: already done
            return
        super().register_birth()

    def subscribe(self) -> None:
        self._through_outage(super().subscribe)

    def teardown(self) -> None:
        try:
            super().teardown()
        except REDIS_ERRORS as error:  # nothing to deregister from: our key expires by itself
            log.warning("Worker %s: Redis unreachable at shutdown (%s)", self.name, error)

    # --- the loop --------------------------------------------------------------------------------------------

    def check_for_suspension(self, burst: bool) -> None:
        self._through_outage(super().check_for_suspension, burst)

    def run_maintenance_tasks(self) -> None:
        self._through_outage(super().run_maintenance_tasks)

    def dequeue_job_and_maintain_ttl(self, timeout, max_idle_time=None):
        return self._through_outage(super().dequeue_job_and_maintain_ttl, timeout, max_idle_time)

    def set_state(self, state, pipeline=None) -> None:
        if pipeline is not None:  # only queued on the caller's pipeline: its execute() is where Redis answers
            return super().set_state(state, pipeline=pipeline)
        self._through_outage(super().set_state, state)

    def heartbeat(self, timeout=None, pipeline=None) -> None:
        if pipeline is not None:
            return super().heartbeat(timeout, pipeline=pipeline)
        self._through_outage(self._heartbeat_once, timeout)

    def _heartbeat_once(self, timeout) -> None:
        with self.connection.pipeline() as pipeline:
            super().heartbeat(timeout, pipeline=pipeline)
            created, _ = pipeline.execute()
        if created:  # our hash had no last_heartbeat: Redis lost it (restarted empty, or the key expired)
            log.warning("Worker %s: not registered in Redis any more; registering again", self.name)
            self._register_again()

    def _is_registered(self) -> bool:
        """Listed and alive in Redis under our name, written by this very process (not a namesake)."""
        with self.connection.pipeline() as pipeline:
            pipeline.sismember(self.redis_workers_keys, self.key)
            pipeline.hmget(self.key, ["birth", "death", "pid", "hostname"])
            listed, (born, dead, pid, hostname) = pipeline.execute()
        ours = pid == str(self.pid).encode() and hostname == str(self.hostname).encode()
        return bool(listed and born and not dead and ours)

    def _register_again(self) -> None:
        """rq's registration without its "a live worker has this name" check: that live worker is us."""
        with self.connection.pipeline() as pipeline:
            pipeline.hset(self.key, mapping=self.serialize())
            register(self, pipeline)
            pipeline.expire(self.key, self.worker_ttl + 60)
            pipeline.execute()

    def work(self, *args, **kwargs):
        with worker_process():  # the outbox relay poked by a job runs here, not as one more job (jobs.py)
            return super().work(*args, **kwargs)

    def execute_job(self, job: Job, queue) -> None:
        try:
            super().execute_job(job, queue)
        except REDIS_ERRORS as error:
            # Where the job got to is in the database (committed or rolled back), not in Redis: leave it to
            # the scheduler, which re-enqueues what is still pending, rather than run it again here.
            log.warning("Worker %s: job %s interrupted by a Redis outage (%s)", self.name, job.id, error)
            self._state = WorkerStatus.IDLE  # so that a stop request during the wait ends the worker at once
            self._wait_for_redis(error)
            self._through_outage(self._forget_interrupted_job, job, queue)

    def _forget_interrupted_job(self, job: Job, queue) -> None:
        """Redis kept its data: record the job as failed so that no registry shows it running for ever."""
        if self.connection.hget(job.key, "status") in (b"started", b"queued"):
            self.handle_job_failure(job, queue, exc_string="Interrupted by a Redis outage; left for recovery.")
        self.execution = None
        self.set_state(WorkerStatus.IDLE)
