from rest_framework import serializers

from inventory_site import limits
from inventory_site.api.fields import QuantityField, StrictIntegerField
from orders import selectors
from orders.models import Order, OrderItem, OrderStatusChange, Priority, Status


class OrderLineInputSerializer(serializers.Serializer):
    product_id = StrictIntegerField(min_value=1, max_value=limits.MAX_ID)
    quantity = QuantityField(max_value=limits.MAX_QUANTITY)


class OrderCreateSerializer(serializers.Serializer):
    customer_name = serializers.CharField(max_length=limits.CUSTOMER_NAME_MAX_LENGTH)
    customer_email = serializers.EmailField(
        required=False, allow_blank=True, default="", max_length=limits.CUSTOMER_EMAIL_MAX_LENGTH
    )
    reference = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=limits.REFERENCE_MAX_LENGTH
    )
    priority = serializers.ChoiceField(choices=Priority.choices, required=False, default=Priority.NORMAL)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=limits.NOTE_MAX_LENGTH)
    location_id = StrictIntegerField(
        min_value=1,
        max_value=limits.MAX_ID,
        required=False,
        allow_null=True,
        default=None,
        help_text="Reserve every line at this location (and its sub-locations) or reject the order. It must be "
        "active and sellable. Without it the job chooses: one sellable location filling the whole order (lowest "
        "priority, then lowest id), else line by line across sellable locations.",
    )
    items = OrderLineInputSerializer(many=True, allow_empty=False)


class AllocationSerializer(serializers.Serializer):
    location_id = serializers.IntegerField()
    quantity = serializers.IntegerField()


class OrderItemSerializer(serializers.Serializer):
    product_id = serializers.IntegerField()
    sku = serializers.CharField()
    name = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    allocations = AllocationSerializer(
        many=True,
        help_text="Where the line is reserved (confirmed) or was taken from (shipped); empty before confirmation, "
        "when rejected or cancelled.",
    )


class OrderStatusChangeSerializer(serializers.Serializer):
    from_status = serializers.ChoiceField(choices=[("", ""), *Status.choices])
    to_status = serializers.ChoiceField(choices=Status.choices)
    by = serializers.IntegerField(allow_null=True, help_text="The user id; null for a job.")
    at = serializers.DateTimeField()


class OrderSerializer(serializers.Serializer):
    """The order as the API shows it. The declared fields document it; the output is built directly.

    DRF builds and deep-copies every field on each instantiation, which cost more than the rest of a
    POST; ``to_representation`` formats with the same DRF fields, created once.
    """

    id = serializers.IntegerField()
    number = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    priority = serializers.ChoiceField(choices=Priority.choices)
    customer_name = serializers.CharField()
    customer_email = serializers.CharField()  # "" when none: not a "format: email" string
    reference = serializers.CharField(allow_blank=True)
    note = serializers.CharField(allow_blank=True)
    location_id = serializers.IntegerField(
        allow_null=True, help_text="The location the order was placed for; null: the job chose."
    )
    items = OrderItemSerializer(many=True)
    rejection_reason = serializers.CharField(allow_blank=True)
    created_by = serializers.IntegerField(help_text="The user id of the creator.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    history = OrderStatusChangeSerializer(many=True)

    def to_representation(self, order: Order) -> dict:
        return order_representation(order)


_DATETIME = serializers.DateTimeField()
_PRICE = serializers.DecimalField(max_digits=12, decimal_places=2)


def order_representation(order: Order) -> dict:
    """Items and history come from ``order.items.all()``/``order.history.all()``: prefetch them for lists, and
    attach allocations with ``orders.selectors.attach_allocations`` (else one query for this order)."""
    if not hasattr(order, "allocations"):
        selectors.attach_allocations([order])
    return {
        "id": order.pk,
        "number": order.number,
        "status": order.status,
        "priority": order.priority,
        "customer_name": order.customer_name,
        "customer_email": order.customer_email,
        "reference": order.reference,
        "note": order.note,
        "location_id": order.location_id,
        "items": [_item(item, order.allocations.get(item.product_id, [])) for item in order.items.all()],
        "rejection_reason": order.rejection_reason,
        "created_by": order.created_by_id,
        "created_at": _DATETIME.to_representation(order.created_at),
        "updated_at": _DATETIME.to_representation(order.updated_at),
        "history": [_change(change) for change in order.history.all()],
    }


def _item(item: OrderItem, allocations: list[dict]) -> dict:
    return {
        "product_id": item.product_id,
        "sku": item.product.sku,
        "name": item.product.name,
        "quantity": item.quantity,
        "unit_price": _PRICE.to_representation(item.unit_price),
        "allocations": allocations,
    }


def _change(change: OrderStatusChange) -> dict:
    return {
        "from_status": change.from_status,
        "to_status": change.to_status,
        "by": change.by_id,
        "at": _DATETIME.to_representation(change.at),
    }


def _line_messages(detail) -> list[str]:
    """DRF's nested errors for ``items`` as flat messages ("Line 2: quantity: ..."), like the service's."""
    if isinstance(detail, dict):
        return [str(message) for messages in detail.values() for message in messages]
    messages = []
    for number, line in enumerate(detail, start=1):
        if isinstance(line, dict):
            messages += [f"Line {number}: {field}: {message}" for field, errors in line.items() for message in errors]
        elif line:
            messages.append(str(line))
    return messages


def validated_order_input(data) -> dict:
    """The validated body of ``POST orders``; a 400 with ``errors`` as field -> list of messages otherwise."""
    serializer = OrderCreateSerializer(data=data)
    if not serializer.is_valid():
        errors = dict(serializer.errors)
        if "items" in errors:
            errors["items"] = _line_messages(errors["items"])
        raise serializers.ValidationError(errors)
    return serializer.validated_data
