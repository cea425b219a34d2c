"""Sending webhooks: claim with a lease, send outside any transaction, record the result in another.

- A due delivery is claimed in a short transaction (``locked_until`` = now + lease, a lease id); a sender that dies
  leaves the lease to expire, and the next sweep claims it again: at least once, never lost.
- The POST goes out with no transaction open, a 10 s timeout on connecting and on each read, no redirects,
  after checking that the target's resolved addresses, and then the address actually connected to, are public
  (unless ``WEBHOOK_ALLOW_PRIVATE_URLS``). A sender's run keeps one connection per endpoint alive (HTTP/1.1)
  across the batch it claimed.
- The results of a batch are recorded together, each only by the holder of its lease. 2xx: succeeded.
  Timeouts, connection errors, 408, 409, 425, 429 and 5xx: retried with exponential backoff and jitter (first
  retry within 60 s, a ``Retry-After`` honoured up to an hour) for ``GIVE_UP_AFTER`` (3 days, so at least 24
  hours); any other status fails at once. An endpoint failing for 3 days is disabled and its pending deliveries
  cancelled.
Deliveries of one endpoint are claimed and sent in ``sequence`` order; only retries can reorder them.
"""

import http.client
import ipaddress
import json
import logging
import random
import socket
import ssl
import time
import urllib.parse
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from standardwebhooks.webhooks import Webhook as Signer

from integrations.models import DeliveryStatus, Event, Webhook, WebhookDelivery
from inventory_site.bulk import update_rows
from inventory_site.jobs import Coalesced, db_job, enqueue_now

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
TIMEOUT = 10  # seconds, for the connection and for each read (urllib's one timeout covers both)
RETRYABLE = {408, 409, 425, 429}
FIRST_RETRY_SECONDS, MAX_BACKOFF_SECONDS = 15, 3600
GIVE_UP_AFTER = timedelta(days=3)
DISABLE_AFTER = timedelta(days=3)
CLAIM_BATCH = 50
RECORD_WITHIN = LEASE.total_seconds() / 6  # a batch's successes wait at most this long to be recorded
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


def check_target(url: str) -> None:
    """Refuse anything but http(s) to public addresses (checked on the resolved addresses, at send time)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("the URL must be http(s) with a host")
    if settings.WEBHOOK_ALLOW_PRIVATE_URLS:
        return
    port = parts.port or (443 if parts.scheme == "https" else 80)
    for info in socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP):
        _check_address(info[4][0])


def _check_address(host: str) -> None:
    address = ipaddress.ip_address(host)
    if not address.is_global:
        raise ValueError(f"the URL resolves to a non-public address ({address})")


class Transport:
    """The connections of one sender's run: one kept alive per endpoint (scheme, host, port), so a batch to one
    receiver costs one TCP (and TLS) handshake, not one per delivery. Never follows a redirect (a 3xx is the
    answer). A request on a kept connection that the receiver had closed meanwhile is sent once more on a new
    one (the receiver sees the same ``webhook-id``: at least once)."""

    MAX_BODY = 64 * 1024  # of an answer, read so the connection can be reused; the rest is not wanted

    def __init__(self):
        self._open: dict[tuple, http.client.HTTPConnection] = {}

    def post(self, url: str, body: bytes, headers: dict) -> tuple[int, http.client.HTTPMessage]:
        parts = urllib.parse.urlsplit(url)
        key = (parts.scheme, parts.hostname, parts.port)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection = self._open.pop(key, None)
        if connection is not None:
            try:
                return self._exchange(key, connection, target, body, headers)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                connection.close()  # closed by the receiver while idle: once more, on a new connection
        return self._exchange(key, self._connect(url, parts), target, body, headers)

    def _exchange(self, key, connection, target, body, headers):
        try:
            connection.request("POST", target, body=body, headers=headers)
            response = connection.getresponse()
            response.read(self.MAX_BODY)
        except BaseException:
            connection.close()
            raise
        if response.will_close or not response.isclosed():
            connection.close()
        else:
            self._open[key] = connection
        return response.status, response.headers

    def _connect(self, url: str, parts) -> http.client.HTTPConnection:
        check_target(url)
        if parts.scheme == "https":
            connection = http.client.HTTPSConnection(
                parts.hostname, parts.port, timeout=TIMEOUT, context=ssl.create_default_context()
            )
        else:
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT)
        connection.connect()
        if not settings.WEBHOOK_ALLOW_PRIVATE_URLS:
            try:
                _check_address(connection.sock.getpeername()[0])  # the address connected to, not only resolved
            except ValueError:
                connection.close()
                raise
        return connection

    def close(self) -> None:
        for connection in self._open.values():
            connection.close()
        self._open.clear()


def signature_header(webhook: Webhook, message_id: str, at: datetime, body: str, *, now: datetime) -> str:
    """``v1,<sig>``; during a secret's rotation overlap, also signed with the previous secret."""
    secrets = [webhook.secret]
    if webhook.previous_secret and webhook.previous_secret_until and webhook.previous_secret_until > now:
        secrets.append(webhook.previous_secret)
    return " ".join(Signer(secret).sign(message_id, at, body) for secret in secrets)


def send(delivery: WebhookDelivery, *, now: datetime | None = None, transport: Transport | None = None) -> Outcome:
    """One POST, no transaction open (on ``transport``'s kept connections, else on a connection of its own)."""
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
    own = transport is None
    transport = transport or Transport()
    started = time.monotonic()
    try:
        code, answer_headers = transport.post(delivery.webhook.url, body.encode(), headers)
    except (OSError, http.client.HTTPException, ValueError) as error:
        return Outcome(None, (str(error) or type(error).__name__)[:500], _elapsed(started))
    finally:
        if own:
            transport.close()
    if 200 <= code < 300:
        return Outcome(code, "", _elapsed(started))
    return Outcome(code, f"HTTP {code}", _elapsed(started), _retry_after(answer_headers))


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
    return record_all([(delivery, lease, outcome)], now=now) == 1


RECORDED_FIELDS = [
    "attempts",
    "first_attempt_at",
    "last_status_code",
    "last_error",
    "duration_ms",
    "locked_until",
    "lease",
    "status",
    "finished_at",
    "next_attempt_at",
]


def record_all(results: list[tuple[WebhookDelivery, uuid.UUID, Outcome]], *, now: datetime | None = None) -> int:
    """Write each outcome whose lease still holds its delivery, in one short transaction (one locking read, one
    UPDATE, one lock per endpoint); returns how many were recorded."""
    now = now or timezone.now()
    if not results:
        return 0
    with transaction.atomic():
        current = WebhookDelivery.objects.select_for_update().filter(pk__in=[d.pk for d, _, _ in results])
        held = {row.pk: row for row in current.order_by("pk")}
        recorded, per_endpoint = [], {}
        for delivery, lease, outcome in results:
            row = held.get(delivery.pk)
            if row is None or row.lease != lease or row.status != DeliveryStatus.PENDING:
                continue
            _apply(row, outcome, now=now)
            recorded.append(row)
            per_endpoint.setdefault(row.webhook_id, []).append(outcome.succeeded)
        update_rows(WebhookDelivery, recorded, RECORDED_FIELDS)
        for webhook_id in sorted(per_endpoint):
            _note_endpoint(webhook_id, per_endpoint[webhook_id], now=now)
    return len(recorded)


def _apply(row: WebhookDelivery, outcome: Outcome, *, now: datetime) -> None:
    row.attempts += 1
    row.first_attempt_at = row.first_attempt_at or now
    row.last_status_code, row.last_error, row.duration_ms = outcome.status_code, outcome.error, outcome.duration_ms
    row.locked_until, row.lease = None, None
    if outcome.succeeded:
        row.status, row.finished_at = DeliveryStatus.SUCCEEDED, now
    elif outcome.retryable and now - row.first_attempt_at < GIVE_UP_AFTER:
        row.next_attempt_at = now + backoff(row.attempts, retry_after=outcome.retry_after)
    else:
        row.status, row.finished_at = DeliveryStatus.FAILED, now


def _note_endpoint(webhook_id: int, successes: list[bool], *, now: datetime) -> None:
    """An endpoint's answers in turn: a success ends its failing spell; failing for ``DISABLE_AFTER`` disables it."""
    webhook = Webhook.objects.select_for_update().get(pk=webhook_id)
    failing_since = webhook.failing_since
    for succeeded in successes:
        if succeeded:
            failing_since = None
        elif failing_since is None:
            failing_since = now
        elif webhook.is_active and now - failing_since >= DISABLE_AFTER:
            disable(
                webhook,
                reason=f"Every delivery failed for {DISABLE_AFTER.days} days "
                f"(since {failing_since:%Y-%m-%d %H:%M} UTC).",
            )
            return
    if failing_since != webhook.failing_since:
        Webhook.objects.filter(pk=webhook_id).update(failing_since=failing_since)


def disable(webhook: Webhook, *, reason: str) -> None:
    Webhook.objects.filter(pk=webhook.pk).update(is_active=False, disabled_reason=reason[:500])
    cancel_pending(webhook)


def cancel_pending(webhook: Webhook) -> int:
    return WebhookDelivery.objects.filter(webhook=webhook, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.CANCELLED, finished_at=timezone.now(), locked_until=None, lease=None
    )


# --- the loop ---------------------------------------------------------------------------------------------------


def process_due(*, limit: int = CLAIM_BATCH) -> int:
    """Claim, send and record due deliveries until none is due; returns how many were attempted.

    Successes are recorded together at the end of a batch, a failure at once with those before it, and none
    waits longer than ``RECORD_WITHIN`` (well inside the lease, so a slow receiver cannot let it expire)."""
    attempted, transport = 0, Transport()
    try:
        while batch := claim(limit=limit):
            results, since = [], time.monotonic()
            for delivery, lease in batch:
                outcome = send(delivery, transport=transport)
                results.append((delivery, lease, outcome))
                attempted += 1
                if not outcome.succeeded or time.monotonic() - since > RECORD_WITHIN:
                    record_all(results)
                    results, since = [], time.monotonic()
            record_all(results)
    finally:
        transport.close()
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
