"""Re-enqueue orders stuck in ``pending`` and unsent low-stock alerts, and run the sweeps ``SCHEDULER_SWEEPS``
names (imports stuck after a lost job): once, or every N seconds as the scheduler, which also sweeps the event
outbox every ``OUTBOX_SWEEP_SECONDS`` (integrations.relay.sweep)."""

import logging
import signal
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string

from integrations import relay
from inventory_site.api.idempotency import purge_expired_records
from inventory_site.jobs import refresh_connections
from orders.services import requeue_pending_orders
from stock.services import requeue_low_stock_alerts

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Re-enqueue process_order for orders pending longer than ORDER_REQUEUE_AFTER_SECONDS, and the email job "
        "of low-stock alerts unsent for as long, and run the sweeps SCHEDULER_SWEEPS names (the jobs of imports "
        "stuck validating or applying). With --every N, loop forever (the scheduler process) and also "
        "purge expired idempotency records, and sweep the event outbox every OUTBOX_SWEEP_SECONDS (stamp events a "
        "lost kick left, send due webhook deliveries, purge expired events)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--every", type=int, default=0, help="Run every N seconds until stopped (N >= 1).")
        parser.add_argument(
            "--older-than", type=int, default=None, help="Age in seconds (default ORDER_REQUEUE_AFTER_SECONDS)."
        )

    def handle(self, *args, every: int, older_than: int | None, **options):
        if every < 0:
            raise CommandError("--every must be at least 1.")
        age = timedelta(seconds=settings.ORDER_REQUEUE_AFTER_SECONDS if older_than is None else older_than)
        if not every:
            swept = relay.sweep()  # first: the relay makes the alerts of crossings it had not stamped yet
            count = requeue_pending_orders(older_than=age)
            alerts = requeue_low_stock_alerts(older_than=age)
            self.stdout.write(
                f"Re-enqueued {count} pending order(s) and {alerts} unsent low-stock alert(s); "
                f"stamped {swept['stamped']} event(s), purged {swept['purged']}."
            )
            for line in run_sweeps(age):
                self.stdout.write(line)
            return
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        self.stdout.write(
            f"Scheduler: re-enqueueing pending orders and unsent alerts every {every}s (older than {age})."
        )
        step = max(1, min(every, settings.OUTBOX_SWEEP_SECONDS))
        next_requeue = 0.0
        while not stop.is_set():
            started = time.monotonic()
            self._sweep_outbox()
            if started >= next_requeue:
                self._tick(age)
                next_requeue = started + every
            stop.wait(max(0.0, step - (time.monotonic() - started)))

    def _sweep_outbox(self) -> None:
        try:
            swept = relay.sweep()
            if swept["stamped"] or swept["purged"]:
                self.stdout.write(f"Outbox: stamped {swept['stamped']} event(s), purged {swept['purged']}.")
        except Exception:  # noqa: BLE001 - the database or Redis may be down for a while: keep the loop alive
            log.exception("outbox sweep failed")
        finally:
            refresh_connections()

    def _tick(self, age: timedelta) -> None:
        refresh_connections()
        try:
            count = requeue_pending_orders(older_than=age)
            alerts = requeue_low_stock_alerts(older_than=age)
            purged = purge_expired_records()
            if count or alerts or purged:
                self.stdout.write(
                    f"Re-enqueued {count} pending order(s) and {alerts} unsent low-stock alert(s); "
                    f"purged {purged} idempotency record(s)."
                )
        except Exception:  # noqa: BLE001 - the database or Redis may be down for a while: keep the loop alive
            log.exception("requeue_orders tick failed")
        finally:
            refresh_connections()
        for line in run_sweeps(age):
            self.stdout.write(line)


def run_sweeps(age: timedelta) -> list[str]:
    """Call each sweep ``SCHEDULER_SWEEPS`` names with ``older_than=age``, each on its own (one failing is logged
    and the others still run); a line for each that enqueued something."""
    lines = []
    for path in settings.SCHEDULER_SWEEPS:
        try:
            count = import_string(path)(older_than=age)
        except Exception:  # noqa: BLE001 - the database or Redis may be down for a while: the next tick retries
            log.exception("sweep %s failed", path)
            continue
        finally:
            refresh_connections()
        if count:
            lines.append(f"{path}: re-enqueued {count} job(s).")
    return lines
