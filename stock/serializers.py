"""Stock API shapes. Quantities are strict JSON integers (2.0, "3", true and null are 400s)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import PRODUCT_FIELDS, Product
from inventory_site import limits
from inventory_site.api.fields import QuantityField, StrictIntegerField
from stock.models import ChangeType, Reason, StockMovement


class StockFiguresSerializer(serializers.Serializer):
    """Reads an annotated product (``with_stock_figures``) or a ``StockLevel``."""

    on_hand = serializers.IntegerField()
    reserved = serializers.IntegerField()
    available = serializers.IntegerField()
    last_restocked_at = serializers.DateTimeField(allow_null=True)


class ProductSerializer(serializers.ModelSerializer):
    """Expects a product annotated by ``stock.selectors.with_stock_figures``."""

    category_id = serializers.IntegerField(read_only=True)
    stock = StockFiguresSerializer(source="*", read_only=True)

    class Meta:
        model = Product
        fields = ("id", *PRODUCT_FIELDS, "stock", "created_at", "updated_at")
        read_only_fields = fields


MOVEMENT_FIELDS = (
    "id",
    "product_id",
    "change_type",
    "quantity",
    "supplier_id",
    "reason",
    "note",
    "reference",
    "user_id",
    "created_at",
)


class MovementSerializer(serializers.ModelSerializer):
    product_id = serializers.IntegerField()
    supplier_id = serializers.IntegerField(allow_null=True)
    user_id = serializers.IntegerField(allow_null=True)

    class Meta:
        model = StockMovement
        fields = MOVEMENT_FIELDS
        read_only_fields = fields


class MovementWithStockSerializer(MovementSerializer):
    """The answer to a new movement: the movement and the product's new figures (from its locked level)."""

    stock = serializers.SerializerMethodField()

    class Meta(MovementSerializer.Meta):
        fields = (*MOVEMENT_FIELDS, "stock")
        read_only_fields = fields

    @extend_schema_field(StockFiguresSerializer)
    def get_stock(self, movement) -> dict:
        return StockFiguresSerializer(self.context["level"]).data


_DATETIME = serializers.DateTimeField()


def stock_representation(level) -> dict:
    """What ``StockFiguresSerializer`` gives, built directly: this runs on every movement."""
    last = level.last_restocked_at
    return {
        "on_hand": level.on_hand,
        "reserved": level.reserved,
        "available": level.available,
        "last_restocked_at": _DATETIME.to_representation(last) if last else None,
    }


def movement_representation(movement, level=None) -> dict:
    """What ``MovementSerializer`` (plus ``stock`` when ``level`` is given) gives, without building a serializer."""
    body = {name: getattr(movement, name) for name in MOVEMENT_FIELDS}
    body["created_at"] = _DATETIME.to_representation(movement.created_at)
    if level is not None:
        body["stock"] = stock_representation(level)
    return body


class MovementCreateSerializer(serializers.Serializer):
    product_id = StrictIntegerField(min_value=1)
    change_type = serializers.ChoiceField(choices=ChangeType.choices)
    quantity = QuantityField(max_value=limits.MAX_QUANTITY)
    supplier_id = StrictIntegerField(min_value=1, required=False, allow_null=True)
    reason = serializers.ChoiceField(choices=Reason.choices, required=False, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=limits.NOTE_MAX_LENGTH)
    reference = serializers.CharField(required=False, allow_blank=True, max_length=limits.REFERENCE_MAX_LENGTH)


class CountCreateSerializer(serializers.Serializer):
    product_id = StrictIntegerField(min_value=1)
    counted_quantity = StrictIntegerField(min_value=0, max_value=limits.MAX_QUANTITY)
    note = serializers.CharField(required=False, allow_blank=True, max_length=limits.NOTE_MAX_LENGTH)


class CountResultSerializer(serializers.Serializer):
    product_id = serializers.IntegerField()
    counted_quantity = serializers.IntegerField()
    difference = serializers.IntegerField()
    movement = MovementSerializer(allow_null=True)
    stock = StockFiguresSerializer()


class StockLevelRowSerializer(serializers.Serializer):
    """A product annotated by ``stock.selectors.with_stock_figures``."""

    product_id = serializers.IntegerField(source="id")
    sku = serializers.CharField()
    name = serializers.CharField()
    on_hand = serializers.IntegerField()
    reserved = serializers.IntegerField()
    available = serializers.IntegerField()
    min_quantity = serializers.IntegerField()
    last_restocked_at = serializers.DateTimeField(allow_null=True)
