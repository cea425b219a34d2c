"""Webhooks: create (the secret answered once), change, delete, rotate the secret, ping, redeliver.

A webhook belongs to the principal that created it (an admin, or an API client's principal); its ``location_ids``
stay within its client's, and it delivers only what that principal's ``events:read`` would show.
"""

import base64
import secrets
import urllib.parse
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from audit.services import assign, diff, record_event, snapshot
from integrations import delivery, matching
from integrations.models import DeliveryStatus, EventType, Webhook, WebhookDelivery
from inventory_site.exceptions import Invalid, NotFound

WEBHOOK_FIELDS = ("url", "events", "location_ids", "is_active")
SECRET_OVERLAP = timedelta(hours=24)


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def visible_webhooks(user):
    """Admins see every webhook; an API client only its own."""
    webhooks = Webhook.objects.all()
    return webhooks.filter(owner=user) if matching.client_of(user) is not None else webhooks


def get_webhook(user, pk) -> Webhook:
    webhook = visible_webhooks(user).filter(pk=pk).first()
    if webhook is None:
        raise NotFound("No webhook with this id.")
    return webhook


def _check_url(url) -> str:
    if not isinstance(url, str) or len(url) > 2000:
        raise Invalid.of({"url": ["An http(s) URL of at most 2,000 characters."]})
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid.of({"url": ["An http(s) URL with a host."]})
    try:
        delivery.check_target(url.strip())
    except (ValueError, OSError) as error:
        raise Invalid.of({"url": [f"Refused: {error}. (WEBHOOK_ALLOW_PRIVATE_URLS allows private targets.)"]}) from None
    return url.strip()


def _check_events(events) -> list[str]:
    if not isinstance(events, list | tuple) or not events or not all(isinstance(e, str) for e in events):
        raise Invalid.of({"events": [f"A non-empty list of: {', '.join(EventType.values)}."]})
    unknown = sorted(set(events) - set(EventType.values))
    if unknown:
        raise Invalid.of({"events": [f"Unknown type(s): {', '.join(unknown)}."]})
    return sorted(set(events))


def _check_locations(user, location_ids) -> list[int]:
    if not isinstance(location_ids, list | tuple) or not all(
        isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in location_ids
    ):
        raise Invalid.of({"location_ids": ["A list of location ids."]})
    ids = sorted(set(location_ids))
    unknown = import_string(settings.LOCATION_IDS_CHECK)(ids)
    if unknown:
        raise Invalid.of({"location_ids": [f"Unknown location(s): {', '.join(map(str, unknown))}."]})
    client = matching.client_of(user)
    allowed = matching.subtree(client.location_ids) if client is not None else None
    if allowed is not None:
        if not ids:
            ids = sorted(client.location_ids)  # "every location" of a restricted client is its own
        elif not set(ids) <= allowed:
            raise Invalid.of({"location_ids": ["Outside the client's locations."]})
    return ids


@transaction.atomic
def create_webhook(*, user, url: str, events: list[str], location_ids=(), is_active: bool = True) -> Webhook:
    webhook = Webhook.objects.create(
        url=_check_url(url),
        events=_check_events(events),
        location_ids=_check_locations(user, list(location_ids)),
        owner=user,
        secret=new_secret(),
        is_active=is_active,
    )
    record_event(action="webhook.created", actor=user, obj=webhook, changes=snapshot(webhook, WEBHOOK_FIELDS))
    return webhook


@transaction.atomic
def update_webhook(*, user, webhook: Webhook, **fields) -> Webhook:
    webhook = Webhook.objects.select_for_update().get(pk=webhook.pk)
    before = snapshot(webhook, WEBHOOK_FIELDS)
    checks = {"url": _check_url, "events": _check_events, "location_ids": lambda v: _check_locations(user, v)}
    assign(webhook, fields, WEBHOOK_FIELDS, checks)
    if webhook.is_active and not before["is_active"]:
        webhook.disabled_reason, webhook.failing_since = "", None  # re-enabled by hand
    changes = diff(webhook, before, WEBHOOK_FIELDS)
    if changes:
        webhook.save()
        record_event(action="webhook.updated", actor=user, obj=webhook, changes=changes)
        if not webhook.is_active:
            delivery.cancel_pending(webhook)
    return webhook


@transaction.atomic
def delete_webhook(*, user, webhook: Webhook) -> None:
    pk, url = webhook.pk, webhook.url
    delivery.cancel_pending(webhook)
    webhook.delete()
    record_event(action="webhook.deleted", actor=user, object_type="webhook", object_id=pk, changes={"url": url})


@transaction.atomic
def rotate_secret(*, user, webhook: Webhook) -> str:
    """A new secret; the old one also signs for ``SECRET_OVERLAP`` (24 h) so receivers can switch."""
    webhook = Webhook.objects.select_for_update().get(pk=webhook.pk)
    webhook.previous_secret, webhook.previous_secret_until = webhook.secret, timezone.now() + SECRET_OVERLAP
    webhook.secret = new_secret()
    webhook.save(update_fields=["secret", "previous_secret", "previous_secret_until"])
    record_event(action="webhook.secret_rotated", actor=user, obj=webhook)
    return webhook.secret


def ping(*, user, webhook: Webhook) -> WebhookDelivery:
    """A ping goes only to its endpoint and is not in the feed."""
    ping_id = uuid.uuid4()
    body = {
        "id": str(ping_id),
        "sequence": None,
        "type": "webhook.ping",
        "occurred_at": timezone.now().isoformat().replace("+00:00", "Z"),
        "data": {"webhook_id": webhook.pk},
    }
    with transaction.atomic():
        created = WebhookDelivery.objects.create(webhook=webhook, ping=body, ping_id=ping_id)
        transaction.on_commit(delivery.kick, robust=True)
    return created


def redeliver(*, user, delivery_id) -> WebhookDelivery:
    """Send a delivery's event (or ping) again, as a new delivery with the same ``webhook-id``."""
    original = (
        WebhookDelivery.objects.filter(pk=delivery_id, webhook__in=visible_webhooks(user))
        .select_related("webhook")
        .first()
    )
    if original is None:
        raise NotFound("No delivery with this id.")
    if not original.webhook.is_active:
        raise Invalid.of({"webhook": ["The webhook is disabled: enable it first."]})
    with transaction.atomic():
        again = WebhookDelivery.objects.create(
            webhook=original.webhook,
            event=original.event,
            ping=original.ping,
            ping_id=original.ping_id,
            sequence=original.sequence,
            status=DeliveryStatus.PENDING,
        )
        transaction.on_commit(delivery.kick, robust=True)
    return again
