"""What an API client restricted to locations may reach: its locations and their descendants.

A client with no ``location_ids`` reaches every location; people (admins and staff) reach every location.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from inventory_site.exceptions import PermissionDenied, error_class, lazy_message
from stock.models import Location

LocationForbidden = error_class(
    "LocationForbidden", PermissionDenied, "location_forbidden", gettext_noop("Location forbidden")
)


def unknown_location_ids(ids: list[int]) -> list[int]:
    """The ids of ``ids`` that name no location (accounts checks a client's ``location_ids`` with it)."""
    known = set(Location.objects.filter(pk__in=ids).values_list("pk", flat=True))
    return [pk for pk in ids if pk not in known]


def subtree(location_ids: list[int]) -> list[int]:
    """The locations and every location below them."""
    ids: set[int] = set()
    for root in location_ids:
        ids.update(Location.objects.descendants(root, include_self=True).values_list("pk", flat=True))
    return sorted(ids)


def restriction(user) -> list[int] | None:
    """The location ids ``user`` may reach (descendants included), or None for every location."""
    client = getattr(user, "api_client", None) if getattr(user, "is_api_client", False) else None
    if client is None or not client.location_ids:
        return None
    return subtree(client.location_ids)


def check_allowed(user, location: Location, *, field: str = "location_id") -> Location:
    allowed = restriction(user)
    if allowed is not None and location.pk not in allowed:
        raise LocationForbidden(
            lazy_message(_("This API client may not act at %(code)s."), code=location.code),
            errors={field: [_("Outside the client's locations.")]},
        )
    return location


def default_for(user) -> Location | None:
    """A restricted client's default location: its highest-priority allowed, active, sellable one (None: the
    service's default location applies)."""
    allowed = restriction(user)
    if allowed is None:
        return None
    return Location.objects.filter(pk__in=allowed, is_active=True, is_sellable=True).order_by("priority", "id").first()
