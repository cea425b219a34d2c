"""Writing events: inside the transaction of the change they describe, with no sequence yet.

The stock and order services call ``emit`` (the one write door, so no change can be missed); a rolled-back
change rolls its events back with it. Once the transaction commits, the relay is kicked (integrations.relay).
"""

from django.db import transaction
from django.utils import timezone

from integrations import relay
from integrations.models import Event
from inventory_site.bulk import insert_rows


def emit(type_: str, data: dict, *, location_id: int | None = None, owner_id: int | None = None, at=None) -> Event:
    return emit_many([(type_, data, location_id, owner_id)], at=at)[0]


def emit_many(events: list[tuple[str, dict, int | None, int | None]], *, at=None) -> list[Event]:
    """``[(type, data, location_id, owner_id)]`` as one INSERT; the relay is kicked once the transaction commits."""
    if not events:
        return []
    occurred_at = at or timezone.now()
    rows = insert_rows(
        Event,
        [
            Event(type=type_, data=data, location_id=location_id, owner_id=owner_id, occurred_at=occurred_at)
            for type_, data, location_id, owner_id in events
        ],
    )
    _kick_on_commit()
    return rows


def _kick_on_commit() -> None:
    transaction.on_commit(relay.kick, robust=True)
