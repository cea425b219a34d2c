"""Which events a principal may see, in the feed and through its webhooks: what its reads would show.

People see every event. An API client sees order events of its own orders only, and stock events at its
``location_ids`` (and their descendants) when it has any; a webhook narrows that further to its own
``location_ids`` (order events ignore them). Locations are stock's, above this app in the import order: the
subtree is computed by the function settings name (``LOCATION_SUBTREE``).
"""

from django.conf import settings
from django.db.models import Q
from django.utils.module_loading import import_string

from integrations.models import ORDER_EVENT_TYPES, Event


def subtree(location_ids) -> frozenset[int] | None:
    """The locations and their descendants; None for no restriction (an empty list)."""
    if not location_ids:
        return None
    return frozenset(import_string(settings.LOCATION_SUBTREE)(list(location_ids)))


def client_of(user):
    return getattr(user, "api_client", None) if getattr(user, "is_api_client", False) else None


class Visibility:
    """What one principal (and optionally one webhook's filter) may see; built once, asked per event."""

    def __init__(self, user, *, location_ids=None):
        client = client_of(user)
        self.user_id = user.pk
        self.is_client = client is not None
        allowed = subtree(client.location_ids) if client is not None else None
        narrowed = subtree(location_ids) if location_ids else None
        if allowed is not None and narrowed is not None:
            allowed = allowed & narrowed
        self.locations = narrowed if allowed is None else allowed

    def sees(self, event: Event) -> bool:
        if event.type in ORDER_EVENT_TYPES:
            return not self.is_client or event.owner_id == self.user_id
        return self.locations is None or event.location_id is None or event.location_id in self.locations

    def filter(self, events):
        """The same rule as a queryset filter (the feed)."""
        order_types = list(ORDER_EVENT_TYPES)
        stock = ~Q(type__in=order_types)
        if self.locations is not None:
            stock &= Q(location_id__in=sorted(self.locations)) | Q(location_id__isnull=True)
        orders = Q(type__in=order_types)
        if self.is_client:
            orders &= Q(owner_id=self.user_id)
        return events.filter(stock | orders)


def webhook_visibility(webhook) -> Visibility:
    return Visibility(webhook.owner, location_ids=webhook.location_ids)


def webhook_wants(webhook, event: Event, visibility: Visibility | None = None) -> bool:
    if event.type not in webhook.events:
        return False
    return (visibility or webhook_visibility(webhook)).sees(event)
