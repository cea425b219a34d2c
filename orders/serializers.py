from rest_framework import serializers

from inventory_site.api.fields import QuantityField, StrictIntegerField
from orders.models import Order, OrderItem, OrderStatusChange, Priority, Status


class OrderLineInputSerializer(serializers.Serializer):
    product_id = StrictIntegerField(min_value=1, max_value=2**63 - 1)
    quantity = QuantityField(max_value=2**31 - 1)


class OrderCreateSerializer(serializers.Serializer):
    customer_name = serializers.CharField(max_length=200)
    customer_email = serializers.EmailField(required=False, allow_blank=True, default="")
    reference = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False, default=Priority.NORMAL)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    items = OrderLineInputSerializer(many=True, allow_empty=False)


class OrderItemSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku")
    name = serializers.CharField(source="product.name")

    class Meta:
        model = OrderItem
        fields = ["product_id", "sku", "name", "quantity", "unit_price"]


class OrderStatusChangeSerializer(serializers.ModelSerializer):
    from_status = serializers.ChoiceField(choices=[("", ""), *Status.choices])
    to_status = serializers.ChoiceField(choices=Status.choices)
    by = serializers.IntegerField(source="by_id", allow_null=True)

    class Meta:
        model = OrderStatusChange
        fields = ["from_status", "to_status", "by", "at"]


class OrderSerializer(serializers.ModelSerializer):
    items = OrderItemSerializer(many=True)
    created_by = serializers.IntegerField(source="created_by_id")
    history = OrderStatusChangeSerializer(many=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "number",
            "status",
            "priority",
            "customer_name",
            "customer_email",
            "reference",
            "note",
            "items",
            "rejection_reason",
            "created_by",
            "created_at",
            "updated_at",
            "history",
        ]
        read_only_fields = fields


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
