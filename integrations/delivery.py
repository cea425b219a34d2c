"""Sending webhooks: claim with a lease, send outside any transaction, record the result in another.

- A due delivery is claimed in a short transaction (``locked_until`` = now + lease, a lease id); a sender that dies
  leaves the lease to expire, and the next sweep claims it again: at least once, never lost.
- The POST goes out with no transaction open, a 10 s timeout on connecting and on each read, no redirects,
  after checking that the target's resolved addresses are public (unless ``WEBHOOK_ALLOW_PRIVATE_URLS``).
- The result is recorded only by the holder of the lease. 2xx: succeeded. Timeouts, connection errors, 408, 409,
  425, 429 and 5xx: retried with exponential backoff and jitter (first retry within 60 s, a ``Retry-After`` honoured
  up to an hour) for ``GIVE_UP_AFTER`` (3 days, so at least 24 hours); any other status fails at once. An
  endpoint failing for 3 days is disabled and its pending deliveries cancelled.
Deliveries of one endpoint are claimed and sent in ``sequence`` order; only retries can reorder them.
"""

import ipaddress
import json
import logging
import random
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from standardwebhooks.webhooks import Webhook as Signer

from integrations.models import DeliveryStatus, Event, Webhook, WebhookDelivery
from inventory_site.jobs import Coalesced, db_job, enqueue_now

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
TIMEOUT = 10  # seconds, for the connection and for each read (urllib's one timeout covers both)
RETRYABLE = {408, 409, 425, 429}
FIRST_RETRY_SECONDS, MAX_BACKOFF_SECONDS = 15, 3600
GIVE_UP_AFTER = timedelta(days=3)
DISABLE_AFTER = timedelta(days=3)
CLAIM_BATCH = 50
SEND_JOB_ID = "integrations-send"


def event_body(event: Event) -> dict:
    """An event as the feed and the webhooks show it."""
    return {
        "id": str(event.uuid),
        "sequence": event.sequence,
        "type": event.type,
        "occurred_at": event.occurred_at.isoformat().replace("+00:00", "Z"),
        "data": event.data,
    }


def payload_of(delivery: WebhookDelivery) -> tuple[str, dict]:
    """``(webhook-id, body)``: the event's id (the same on every retry) and body, or the ping's."""
    if delivery.event_id is not None:
        return str(delivery.event.uuid), event_body(delivery.event)
    return str(delivery.ping_id), delivery.ping


# --- claim ------------------------------------------------------------------------------------------------------


def claim(*, limit: int = CLAIM_BATCH, now: datetime | None = None) -> list[tuple[WebhookDelivery, uuid.UUID]]:
    """Lease up to ``limit`` due deliveries (per endpoint in sequence order); one short transaction."""
    now = now or timezone.now()
    lease = uuid.uuid4()
    with transaction.atomic():
        due = (
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now, webhook__is_active=True)
            .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
            .order_by("webhook_id", "sequence", "id")
            .values_list("pk", flat=True)[:limit]
        )
        ids = list(due)
        if not ids:
            return []
        WebhookDelivery.objects.filter(pk__in=ids).update(locked_until=now + LEASE, lease=lease)
    claimed = (
        WebhookDelivery.objects.filter(pk__in=ids)
        .select_related("webhook", "event")
        .order_by("webhook_id", "sequence", "id")
    )
    return [(delivery, lease) for delivery in claimed]


# --- send -------------------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    status_code: int | None
    error: str
    duration_ms: int
    retry_after: float | None = None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def retryable(self) -> bool:
        if self.status_code is None:
            return True  # a timeout or a connection error
        return self.status_code in RETRYABLE or self.status_code >= 500


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 3xx is the answer, not followed


_OPENER = urllib.request.build_opener(_NoRedirects)


def check_target(url: str) -> None:
    """Refuse anything but http(s) to public addresses (checked on the resolved addresses, at send time)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("the URL must be http(s) with a host")
    if settings.WEBHOOK_ALLOW_PRIVATE_URLS:
        return
    port = parts.port or (443 if parts.scheme == "https" else 80)
    for info in socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP):
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise ValueError(f"the URL resolves to a non-public address ({address})")


def signature_header(webhook: Webhook, message_id: str, at: datetime, body: str, *, now: datetime) -> str:
    """``v1,<sig>``; during a secret's rotation overlap, also signed with the previous secret."""
    secrets = [webhook.secret]
    if webhook.previous_secret and webhook.previous_secret_until and webhook.previous_secret_until > now:
        secrets.append(webhook.previous_secret)
    return " ".join(Signer(secret).sign(message_id, at, body) for secret in secrets)


def send(delivery: WebhookDelivery, *, now: datetime | None = None) -> Outcome:
    """One POST, no transaction open."""
    message_id, body_dict = payload_of(delivery)
    body = json.dumps(body_dict, separators=(",", ":"), sort_keys=True)
    at = (now or timezone.now()).astimezone(UTC)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "inventory-service-webhooks/1",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature_header(delivery.webhook, message_id, at, body, now=at),
    }
    started = time.monotonic()
    try:
        check_target(delivery.webhook.url)
        request = urllib.request.Request(delivery.webhook.url, data=body.encode(), headers=headers, method="POST")
        with _OPENER.open(request, timeout=TIMEOUT) as response:
            code = response.status
            return Outcome(code, "", _elapsed(started))
    except urllib.error.HTTPError as error:
        return Outcome(error.code, f"HTTP {error.code}", _elapsed(started), _retry_after(error.headers))
    except (urllib.error.URLError, OSError, ValueError) as error:
        return Outcome(None, str(getattr(error, "reason", error))[:500], _elapsed(started))


def _elapsed(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _retry_after(headers) -> float | None:
    value = headers.get("Retry-After") if headers is not None else None
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            moment = datetime.strptime(value, "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=UTC)
        except ValueError:
            return None
        return max(0.0, (moment - datetime.now(UTC)).total_seconds())


# --- record -----------------------------------------------------------------------------------------------------


def backoff(attempts: int, *, retry_after: float | None = None) -> timedelta:
    """After ``attempts`` failed tries: exponential (15 s, 30 s, 1 min, ... capped at 1 h) with +-25% jitter; a
    ``Retry-After`` is honoured up to an hour."""
    if retry_after is not None:
        return timedelta(seconds=min(retry_after, MAX_BACKOFF_SECONDS))
    base = min(MAX_BACKOFF_SECONDS, FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0))
    return timedelta(seconds=base * random.uniform(0.75, 1.25))


def record(delivery: WebhookDelivery, lease: uuid.UUID, outcome: Outcome, *, now: datetime | None = None) -> bool:
    """Write the outcome if ``lease`` still holds the delivery (an expired lease may have been claimed again);
    returns whether it was recorded."""
    now = now or timezone.now()
    with transaction.atomic():
        current = WebhookDelivery.objects.select_for_update().filter(pk=delivery.pk, lease=lease).first()
        if current is None or current.status != DeliveryStatus.PENDING:
            return False
        current.attempts += 1
        current.first_attempt_at = current.first_attempt_at or now
        current.last_status_code, current.last_error, current.duration_ms = (
            outcome.status_code,
            outcome.error,
            outcome.duration_ms,
        )
        current.locked_until, current.lease = None, None
        if outcome.succeeded:
            current.status, current.finished_at = DeliveryStatus.SUCCEEDED, now
        elif outcome.retryable and now - current.first_attempt_at < GIVE_UP_AFTER:
            current.next_attempt_at = now + backoff(current.attempts, retry_after=outcome.retry_after)
        else:
            current.status, current.finished_at = DeliveryStatus.FAILED, now
        current.save()
        _note_endpoint(current.webhook_id, succeeded=outcome.succeeded, now=now)
    return True


def _note_endpoint(webhook_id: int, *, succeeded: bool, now: datetime) -> None:
    webhook = Webhook.objects.select_for_update().get(pk=webhook_id)
    if succeeded:
        if webhook.failing_since is not None:
            Webhook.objects.filter(pk=webhook_id).update(failing_since=None)
        return
    if webhook.failing_since is None:
        Webhook.objects.filter(pk=webhook_id).update(failing_since=now)
    elif webhook.is_active and now - webhook.failing_since >= DISABLE_AFTER:
        disable(
            webhook,
            reason=f"Every delivery failed for {DISABLE_AFTER.days} days "
            f"(since {webhook.failing_since:%Y-%m-%d %H:%M} UTC).",
        )


def disable(webhook: Webhook, *, reason: str) -> None:
    Webhook.objects.filter(pk=webhook.pk).update(is_active=False, disabled_reason=reason[:500])
    cancel_pending(webhook)


def cancel_pending(webhook: Webhook) -> int:
    return WebhookDelivery.objects.filter(webhook=webhook, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.CANCELLED, finished_at=timezone.now(), locked_until=None, lease=None
    )


# --- the loop ---------------------------------------------------------------------------------------------------


def process_due(*, limit: int = CLAIM_BATCH) -> int:
    """Claim, send and record due deliveries until none is due; returns how many were attempted."""
    attempted = 0
    while batch := claim(limit=limit):
        for delivery, lease in batch:
            record(delivery, lease, send(delivery))
            attempted += 1
    return attempted


@db_job
def send_job() -> int:
    return process_due()


def _hand_over() -> None:
    """From the background thread: send here (embedded default) or enqueue the senders' job (Redis)."""
    if settings.JOBS_IN_PROCESS:
        send_job()
    else:
        enqueue_now("integrations.delivery.send_job", queue="default", job_id=SEND_JOB_ID)


_kicker = Coalesced("webhook-sender", _hand_over)


def kick() -> None:
    """New deliveries exist: send them soon, off the request thread."""
    if settings.OUTBOX_INLINE:
        process_due()
    else:
        _kicker.poke()
