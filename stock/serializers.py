"""Stock API shapes. Quantities are strict JSON integers (2.0, "3", true and null are 400s).

Input serializers check shapes only; the services own the rules (known and usable locations, stock, rights).
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import PRODUCT_FIELDS, Product
from inventory_site import limits
from inventory_site.api.fields import QuantityField, StrictBooleanField, StrictIntegerField
from stock.models import CLIENT_REASONS, ChangeType, Document, DocumentKind, Location, LocationKind, StockMovement
from stock.services.locations import CODE_MAX_LENGTH

_DATETIME = serializers.DateTimeField()


def _datetime(value):
    return _DATETIME.to_representation(value) if value else None


# --- figures --------------------------------------------------------------------------------------------------


class LocationFiguresSerializer(serializers.Serializer):
    on_hand = serializers.IntegerField()
    reserved = serializers.IntegerField()
    available = serializers.IntegerField(help_text="On hand less reserved at this location.")


class StockFiguresSerializer(serializers.Serializer):
    """Reads an annotated product (``with_stock_figures``) or the dict of ``stock.figures.product_figures``."""

    on_hand = serializers.IntegerField(help_text="Everywhere, transit included.")
    reserved = serializers.IntegerField()
    available = serializers.IntegerField(help_text="On hand less reserved, over sellable, active locations.")
    in_transit = serializers.IntegerField()
    last_restocked_at = serializers.DateTimeField(allow_null=True)


class ProductLocationSerializer(LocationFiguresSerializer):
    location_id = serializers.IntegerField()
    code = serializers.CharField()


class ProductDetailStockSerializer(StockFiguresSerializer):
    locations = ProductLocationSerializer(many=True, source="location_figures")


def stock_representation(figures: dict) -> dict:
    """What ``StockFiguresSerializer`` gives for a figures dict, built directly: this runs on every movement."""
    return {
        "on_hand": figures["on_hand"],
        "reserved": figures["reserved"],
        "available": figures["available"],
        "in_transit": figures["in_transit"],
        "last_restocked_at": _datetime(figures["last_restocked_at"]),
    }


class ProductSerializer(serializers.ModelSerializer):
    """Expects a product annotated by ``stock.selectors.with_stock_figures``."""

    category_id = serializers.IntegerField(read_only=True)
    stock = StockFiguresSerializer(source="*", read_only=True)

    class Meta:
        model = Product
        fields = ("id", *PRODUCT_FIELDS, "stock", "created_at", "updated_at")
        read_only_fields = fields


class ProductDetailSerializer(ProductSerializer):
    """A product from ``stock.selectors.product_detail``: its stock also per location."""

    stock = ProductDetailStockSerializer(source="*", read_only=True)


# --- movements ------------------------------------------------------------------------------------------------

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
    "location_id",
    "document_id",
)


class MovementSerializer(serializers.ModelSerializer):
    product_id = serializers.IntegerField()
    supplier_id = serializers.IntegerField(allow_null=True)
    user_id = serializers.IntegerField(allow_null=True)
    location_id = serializers.IntegerField()
    document_id = serializers.IntegerField(allow_null=True)

    class Meta:
        model = StockMovement
        fields = MOVEMENT_FIELDS
        read_only_fields = fields


class MovementWithStockSerializer(MovementSerializer):
    """The answer to a new movement: the movement, the product's new totals and the location's figures."""

    stock = StockFiguresSerializer(read_only=True)
    location_stock = LocationFiguresSerializer(read_only=True)

    class Meta(MovementSerializer.Meta):
        fields = (*MOVEMENT_FIELDS, "stock", "location_stock")
        read_only_fields = fields


def movement_representation(movement, recorded=None) -> dict:
    """What ``MovementSerializer`` (plus ``stock`` and ``location_stock`` of ``recorded``) gives, without
    building a serializer."""
    body = {name: getattr(movement, name) for name in MOVEMENT_FIELDS}
    body["created_at"] = _DATETIME.to_representation(movement.created_at)
    if recorded is not None:
        body["stock"] = stock_representation(recorded.stock)
        body["location_stock"] = recorded.location_stock
    return body


class MovementCreateSerializer(serializers.Serializer):
    product_id = StrictIntegerField(min_value=1, max_value=limits.MAX_ID)
    change_type = serializers.ChoiceField(choices=ChangeType.choices)
    quantity = QuantityField(max_value=limits.MAX_QUANTITY)
    supplier_id = StrictIntegerField(min_value=1, max_value=limits.MAX_ID, required=False, allow_null=True)
    reason = serializers.ChoiceField(choices=CLIENT_REASONS, required=False, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=limits.NOTE_MAX_LENGTH)
    reference = serializers.CharField(required=False, allow_blank=True, max_length=limits.REFERENCE_MAX_LENGTH)
    location_id = StrictIntegerField(min_value=1, max_value=limits.MAX_ID, required=False, allow_null=True)


class CountCreateSerializer(serializers.Serializer):
    product_id = StrictIntegerField(min_value=1, max_value=limits.MAX_ID)
    counted_quantity = StrictIntegerField(min_value=0, max_value=limits.MAX_QUANTITY)
    note = serializers.CharField(required=False, allow_blank=True, max_length=limits.NOTE_MAX_LENGTH)
    location_id = StrictIntegerField(min_value=1, max_value=limits.MAX_ID, required=False, allow_null=True)


class CountResultSerializer(serializers.Serializer):
    product_id = serializers.IntegerField()
    counted_quantity = serializers.IntegerField()
    difference = serializers.IntegerField()
    movement = MovementSerializer(allow_null=True)
    stock = StockFiguresSerializer()
    location_stock = LocationFiguresSerializer()
    location_id = serializers.IntegerField()


# --- levels ---------------------------------------------------------------------------------------------------


class StockLevelRowSerializer(serializers.Serializer):
    """A product annotated by ``stock.selectors.with_stock_figures``."""

    product_id = serializers.IntegerField(source="id")
    sku = serializers.CharField()
    name = serializers.CharField()
    on_hand = serializers.IntegerField()
    reserved = serializers.IntegerField()
    available = serializers.IntegerField()
    in_transit = serializers.IntegerField()
    min_quantity = serializers.IntegerField()
    last_restocked_at = serializers.DateTimeField(allow_null=True)


class LocationLevelRowSerializer(StockLevelRowSerializer):
    """``by_location=true``: a level row annotated by ``stock.selectors.level_rows``."""

    product_id = serializers.IntegerField()
    location_id = serializers.IntegerField()
    location_code = serializers.CharField()


# --- locations ------------------------------------------------------------------------------------------------


class LocationSerializer(serializers.ModelSerializer):
    parent_id = serializers.IntegerField(allow_null=True)

    class Meta:
        model = Location
        fields = ("id", "code", "name", "parent_id", "kind", "is_sellable", "priority", "is_default", "is_active")
        read_only_fields = fields


class LocationInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=CODE_MAX_LENGTH)
    name = serializers.CharField(max_length=200)
    parent_id = StrictIntegerField(min_value=1, max_value=limits.MAX_ID, required=False, allow_null=True)
    kind = serializers.ChoiceField(choices=LocationKind.choices, required=False)
    is_sellable = StrictBooleanField(required=False)
    priority = StrictIntegerField(min_value=-(2**31), max_value=2**31 - 1, required=False)
    is_default = StrictBooleanField(required=False)
    is_active = StrictBooleanField(required=False)


# --- documents ------------------------------------------------------------------------------------------------


class DocumentLineSerializer(serializers.Serializer):
    product_id = serializers.IntegerField()
    sku = serializers.CharField()
    quantity = serializers.IntegerField(allow_null=True)
    counted_quantity = serializers.IntegerField(allow_null=True)
    difference = serializers.IntegerField(allow_null=True)
    movement_ids = serializers.ListField(child=serializers.IntegerField())


class DocumentSerializer(serializers.Serializer):
    """A document as the API shows it; built directly by ``document_representation`` (lines and movements
    prefetched)."""

    id = serializers.IntegerField()
    number = serializers.CharField()
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    status = serializers.CharField()
    reference = serializers.CharField(allow_blank=True)
    note = serializers.CharField(allow_blank=True)
    reason = serializers.CharField(allow_blank=True)
    supplier_id = serializers.IntegerField(allow_null=True)
    location_id = serializers.IntegerField(allow_null=True)
    source_location_id = serializers.IntegerField(allow_null=True)
    destination_location_id = serializers.IntegerField(allow_null=True)
    via_transit = serializers.BooleanField()
    lines = DocumentLineSerializer(many=True)
    created_by = serializers.IntegerField(help_text="The user id of the creator.")
    created_at = serializers.DateTimeField()
    reverses_id = serializers.IntegerField(allow_null=True)
    reversed_by_id = serializers.IntegerField(allow_null=True)
    reverses_movement_id = serializers.IntegerField(allow_null=True)

    def to_representation(self, document: Document) -> dict:
        return document_representation(document)


def document_representation(document: Document) -> dict:
    movements_by_product: dict[int, list[int]] = {}
    for movement in sorted(document.movements.all(), key=lambda m: m.pk):
        movements_by_product.setdefault(movement.product_id, []).append(movement.pk)
    reversed_by = getattr(document, "reversed_by", None) if document.pk else None
    return {
        "id": document.pk,
        "number": document.number,
        "kind": document.kind,
        "status": document.status,
        "reference": document.reference,
        "note": document.note,
        "reason": document.reason,
        "supplier_id": document.supplier_id,
        "location_id": document.location_id,
        "source_location_id": document.source_location_id,
        "destination_location_id": document.destination_location_id,
        "via_transit": document.via_transit,
        "lines": [
            {
                "product_id": line.product_id,
                "sku": line.product.sku,
                "quantity": line.quantity,
                "counted_quantity": line.counted_quantity,
                "difference": line.difference,
                "movement_ids": movements_by_product.get(line.product_id, []),
            }
            for line in document.lines.all()
        ],
        "created_by": document.created_by_id,
        "created_at": _DATETIME.to_representation(document.created_at),
        "reverses_id": document.reverses_id,
        "reversed_by_id": reversed_by.pk if reversed_by else None,
        "reverses_movement_id": document.reverses_movement_id,
    }


class DocumentLineInputSerializer(serializers.Serializer):
    """For the schema: a line's shape. The service checks every line and names each bad one by index."""

    product_id = StrictIntegerField(min_value=1)
    quantity = QuantityField(required=False, help_text="receipt, issue, transfer")
    counted_quantity = StrictIntegerField(min_value=0, required=False, help_text="count")


@extend_schema_field(DocumentLineInputSerializer(many=True))
class DocumentLinesField(serializers.ListField):
    """Lines pass through as given: the service checks each and answers ``errors.lines`` by index."""

    child = serializers.JSONField()


class DocumentCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    reference = serializers.CharField(required=False, allow_blank=True, max_length=limits.REFERENCE_MAX_LENGTH)
    note = serializers.CharField(required=False, allow_blank=True, max_length=limits.NOTE_MAX_LENGTH)
    reason = serializers.ChoiceField(choices=CLIENT_REASONS, required=False, allow_blank=True)
    supplier_id = StrictIntegerField(min_value=1, max_value=limits.MAX_ID, required=False, allow_null=True)
    location_id = StrictIntegerField(min_value=1, max_value=limits.MAX_ID, required=False, allow_null=True)
    source_location_id = StrictIntegerField(min_value=1, max_value=limits.MAX_ID, required=False, allow_null=True)
    destination_location_id = StrictIntegerField(min_value=1, max_value=limits.MAX_ID, required=False, allow_null=True)
    via_transit = StrictBooleanField(required=False)
    lines = DocumentLinesField(allow_empty=True)
