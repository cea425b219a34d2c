"""The event feed: events in ascending ``sequence`` after a cursor, kept ``EVENTS_RETENTION_DAYS`` (30) days."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Max, Min
from django.utils import timezone

from integrations import matching
from integrations.models import DeliveryStatus, Event, WebhookDelivery
from inventory_site.exceptions import DomainError, error_class

MAX_LIMIT, DEFAULT_LIMIT = 1000, 100


class Gone(DomainError):
    status = 410


EventsExpired = error_class("EventsExpired", Gone, "events_expired", "Events expired")


def feed(*, user, after: int = 0, types: list[str] | None = None, limit: int = DEFAULT_LIMIT) -> dict:
    """``{results, next_after, last_sequence}``. ``last_sequence`` is read first and bounds the page, so
    ``next_after`` may skip events that this principal cannot see but never one that committed meanwhile."""
    stamped = Event.objects.filter(sequence__isnull=False)
    bounds = stamped.aggregate(first=Min("sequence"), last=Max("sequence"))
    last = bounds["last"] or 0
    if bounds["first"] is not None and after < bounds["first"] - 1:
        # Sequences have no gaps: the events before the oldest one kept were purged.
        raise EventsExpired(
            f"Events up to {bounds['first'] - 1} are past the {settings.EVENTS_RETENTION_DAYS}-day retention; "
            f"ask after={bounds['first'] - 1} or later.",
            oldest_sequence=bounds["first"],
            last_sequence=last,
        )
    rows = matching.Visibility(user).filter(stamped.filter(sequence__gt=after, sequence__lte=last))
    if types:
        rows = rows.filter(type__in=types)
    page = list(rows.order_by("sequence")[:limit])
    next_after = page[-1].sequence if len(page) == limit else max(after, last)
    return {"results": page, "next_after": next_after, "last_sequence": last}


def purge(*, now=None) -> int:
    """Delete the events (and their deliveries) older than the retention window; returns how many."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.EVENTS_RETENTION_DAYS)
    deleted, _ = Event.objects.filter(sequence__isnull=False, occurred_at__lt=cutoff).delete()
    return deleted


def outbox_lag(now=None) -> dict:
    """``{relay_seconds, delivery_seconds}``: the age of the oldest event not yet sequenced (the relay is behind,
    or not running), and of the oldest event whose delivery is still pending (an endpoint is slow or down);
    0 when none. /readyz shows both (neither makes the service unready)."""
    now = now or timezone.now()
    oldest = Event.objects.filter(sequence__isnull=True).aggregate(at=Min("occurred_at"))["at"]
    pending = WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, event__isnull=False).aggregate(
        at=Min("event__occurred_at")
    )["at"]
    return {
        "relay_seconds": round(max(0.0, (now - oldest).total_seconds()), 1) if oldest else 0.0,
        "delivery_seconds": round(max(0.0, (now - pending).total_seconds()), 1) if pending else 0.0,
    }
