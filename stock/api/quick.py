"""A well-formed movement body read by hand: the hottest endpoint's exception to STYLE's serializers.

``MovementCreateSerializer`` builds its fields per request (a deepcopy of eight fields, then each field's
validators): about 0.4 ms of a movement that otherwise costs little more than its one statement. Here a body
made only of the plain cases (JSON integers in range, a known change type and reason, short ASCII text with no
surrounding spaces) is taken as it is; anything else returns None and the serializer judges it, so every error
body stays the serializer's. ``stock/tests/test_quick_input.py`` checks that both agree on every body.
"""

from inventory_site import limits
from stock.models import CLIENT_REASONS, ChangeType

_FIELDS = frozenset(
    {"product_id", "change_type", "quantity", "supplier_id", "reason", "note", "reference", "location_id"}
)
_CHANGE_TYPES = frozenset(ChangeType.values)
_REASONS = frozenset(value for value, _ in CLIENT_REASONS) | {""}
_TEXT = {"note": limits.NOTE_MAX_LENGTH, "reference": limits.REFERENCE_MAX_LENGTH}


def _whole(value, top: int) -> bool:
    return type(value) is int and 1 <= value <= top


def movement_input(data) -> dict | None:
    """What ``MovementCreateSerializer(data=data).validated_data`` would be, or None: ask the serializer."""
    if type(data) is not dict or not data.keys() <= _FIELDS:
        return None
    product_id, change_type, quantity = data.get("product_id"), data.get("change_type"), data.get("quantity")
    if not (_whole(product_id, limits.MAX_ID) and _whole(quantity, limits.MAX_QUANTITY)):
        return None
    if type(change_type) is not str or change_type not in _CHANGE_TYPES:
        return None
    body = {"product_id": product_id, "change_type": change_type, "quantity": quantity}
    for name in ("supplier_id", "location_id"):
        if name in data:
            value = data[name]
            if value is not None and not _whole(value, limits.MAX_ID):
                return None
            body[name] = value
    if "reason" in data:
        reason = data["reason"]
        if type(reason) is not str or reason not in _REASONS:
            return None
        body["reason"] = reason
    for name, top in _TEXT.items():
        if name in data:
            text = data[name]
            if type(text) is not str or len(text) > top or not text.isascii() or text != text.strip() or "\x00" in text:
                return None
            body[name] = text
    return body
