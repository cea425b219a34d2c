"""The relay: one at a time, it stamps ``sequence`` on committed events in insertion order and creates their
deliveries, then hands the new work to the senders.

The same run hands the stamped events to the in-house readers ``OUTBOX_CONSUMERS`` names (the low-stock
emails: stock.alerts), in its transaction.

Why one at a time, and after commit: a poller of the feed reads events by ``sequence``. The relay takes a
transaction-level advisory lock (PostgreSQL; SQLite's write transactions serialize anyway), so two relays never
interleave, and it only ever sees committed events: an event whose transaction is still open is stamped by a
later run with a higher sequence. So sequences increase in the order events become visible, and a poller that
asked ``after=N`` never misses an event that committed late. Gaps cannot occur (``MAX(sequence) + 1`` under the
lock); reordering cannot either.

It runs on commit of every change (``kick``: an RQ job with one fixed id, or a background thread on the
embedded default, never in the request thread) and in the scheduler's sweep, so an event committed while Redis
was down, or a relay killed mid-run, is stamped later.
"""

import logging

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.module_loading import import_string

from integrations import delivery, feed, matching
from integrations.models import Event, Webhook, WebhookDelivery
from inventory_site.bulk import update_rows
from inventory_site.jobs import Coalesced, db_job, enqueue_now, in_worker

log = logging.getLogger(__name__)

BATCH = 2000
RELAY_JOB_ID = "integrations-relay"
_ADVISORY_KEY = 724_001  # any constant, the same in every process


def run(*, limit: int = BATCH) -> int:
    """Stamp up to ``limit`` committed events and create their deliveries; returns how many were stamped."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_KEY])
        events = list(Event.objects.filter(sequence__isnull=True).order_by("position")[:limit])
        if not events:
            return 0
        start = (Event.objects.aggregate(top=Max("sequence"))["top"] or 0) + 1
        now = timezone.now()
        for offset, event in enumerate(events):
            event.sequence, event.sequenced_at = start + offset, now
        update_rows(Event, events, ["sequence", "sequenced_at"])  # one UPDATE .. FROM (VALUES ..) on PostgreSQL
        deliveries = _deliveries(events)
        for consumer in _consumers():
            consumer(events)
        if deliveries:  # none new, nothing to send: retries are the sweep's (one sender job less per run)
            transaction.on_commit(_after_stamping, robust=True)
    log.debug("relay stamped %s event(s), %s delivery(ies)", len(events), len(deliveries))
    return len(events)


def _consumers():
    """The in-house readers of the outbox (``OUTBOX_CONSUMERS``, e.g. the low-stock emails), called with each
    run's stamped events inside its transaction: what they write commits with the stamping, exactly once per
    event; one that fails rolls the run back, to be retried, rather than skip an event."""
    return [import_string(path) for path in settings.OUTBOX_CONSUMERS]


def _deliveries(events: list[Event]) -> list[WebhookDelivery]:
    webhooks = list(Webhook.objects.filter(is_active=True).select_related("owner__api_client"))
    if not webhooks:
        return []
    views = {webhook.pk: matching.webhook_visibility(webhook) for webhook in webhooks}
    rows = [
        WebhookDelivery(webhook=webhook, event=event, sequence=event.sequence, next_attempt_at=event.sequenced_at)
        for event in events
        for webhook in webhooks
        if matching.webhook_wants(webhook, event, views[webhook.pk])
    ]
    return WebhookDelivery.objects.bulk_create(rows, batch_size=1000)


def _after_stamping() -> None:
    """The senders pick up what was just stamped."""
    delivery.kick()


def sweep() -> dict:
    """The scheduler's pass (every ``OUTBOX_SWEEP_SECONDS``): stamp what a lost kick left (Redis down at commit
    time, a relay killed mid-run), hand due deliveries (retries, expired leases) to the senders, and purge events
    past the retention window."""
    stamped = run_job()
    delivery.kick()
    return {"stamped": stamped, "purged": feed.purge()}


@db_job
def run_job() -> int:
    """The relay as a job: drains every committed event."""
    total = 0
    while stamped := run():
        total += stamped
    return total


# --- the fast path ------------------------------------------------------------------------------------------


def _hand_over() -> None:
    """From the background thread: run the relay here (the embedded default, and an RQ worker's process, where
    jobs run anyway) or enqueue its job (a web process). In a worker the relay's job ran after nearly every order
    job, each paying RQ's own handling of a job: run here instead, bench/orders.py (two runs each, alternated,
    a busy machine) gave 38-39 -> 45-52 orders/s end to end, RQ workers' CPU per order 22.4-22.8 -> 17.2-19.1 ms."""
    if settings.JOBS_IN_PROCESS or in_worker():
        run_job()
    else:
        enqueue_now("integrations.relay.run_job", queue="high", job_id=RELAY_JOB_ID)


# With Redis, a process under load enqueues (or, in a worker, runs) the relay at most every KICK_PAUSE seconds:
# each run pays for its job and its statements whatever it stamps. 20 -> 100 ms (bench/outbox.py, 100
# movements/s): webhook lag median 35 ms, p99 0.69 s; the workers' CPU per movement 1.00 -> 0.80 ms.
KICK_PAUSE = 0.1
_kicker = Coalesced("outbox-relay", _hand_over, pause=lambda: 0.0 if settings.JOBS_IN_PROCESS else KICK_PAUSE)


def kick() -> None:
    """After a commit: run the relay soon, off the request thread (an RQ job with one waiting copy at most,
    or, on the embedded default, on the background thread itself)."""
    if settings.OUTBOX_INLINE:  # the test settings: right after the commit, in this thread
        run_job()
    else:
        _kicker.poke()
