"""Input serializers validate shapes only; the services own the rules. Products as shown (with their stock
figures) are stock.serializers'."""

from decimal import Decimal

from rest_framework import serializers

from catalog.models import Category, Supplier
from inventory_site import limits
from inventory_site.api.fields import StrictBooleanField, StrictIntegerField

# --- categories ------------------------------------------------------------------------------


class CategorySerializer(serializers.ModelSerializer):
    product_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Category
        fields = ("id", "name", "description", "product_count")
        read_only_fields = fields


class CategoryInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(allow_blank=True, required=False, max_length=limits.NOTE_MAX_LENGTH)


# --- suppliers -------------------------------------------------------------------------------


class SupplierSerializer(serializers.ModelSerializer):
    # A plain string in responses: the email is optional, and "" is not a valid "format: email".
    email = serializers.CharField(read_only=True)

    class Meta:
        model = Supplier
        fields = ("id", "name", "email", "phone", "address", "notes", "is_active")
        read_only_fields = fields


class SupplierInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    email = serializers.EmailField(allow_blank=True, required=False, max_length=254)
    phone = serializers.CharField(allow_blank=True, required=False, max_length=50)
    address = serializers.CharField(allow_blank=True, required=False, max_length=limits.NOTE_MAX_LENGTH)
    notes = serializers.CharField(allow_blank=True, required=False, max_length=limits.NOTE_MAX_LENGTH)
    is_active = StrictBooleanField(required=False)


# --- products --------------------------------------------------------------------------------


class ProductCreateSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(allow_blank=True, required=False, max_length=limits.NOTE_MAX_LENGTH)
    category_id = StrictIntegerField(min_value=1)
    unit = serializers.CharField(max_length=16, required=False)
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0"))
    min_quantity = StrictIntegerField(min_value=0, max_value=limits.MAX_QUANTITY, required=False)
    reorder_quantity = StrictIntegerField(min_value=0, max_value=limits.MAX_QUANTITY, required=False)
    is_active = StrictBooleanField(required=False)


class ProductUpdateSerializer(ProductCreateSerializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)
