from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

# The fields a write may set, per model: the services, serializers and admin read them here.
CATEGORY_FIELDS = ("name", "description")
SUPPLIER_FIELDS = ("name", "email", "phone", "address", "notes", "is_active")
PRODUCT_FIELDS = (
    "sku",
    "name",
    "description",
    "category_id",
    "unit",
    "unit_price",
    "min_quantity",
    "reorder_quantity",
    "is_active",
)


class Category(models.Model):
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"
        constraints = [models.UniqueConstraint(Lower("name"), name="category_name_ci_unique")]

    def __str__(self) -> str:
        return self.name


class Supplier(models.Model):
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=50, blank=True)
    address = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    sku = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    # PROTECT: a category holding products cannot be deleted (409 category_in_use).
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    unit = models.CharField(max_length=16, default="pcs")
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    min_quantity = models.PositiveIntegerField(default=0, help_text="Reorder point: low stock at or below this.")
    reorder_quantity = models.PositiveIntegerField(default=0, help_text="Order in multiples of this; 0 for any.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(Lower("sku"), name="product_sku_ci_unique"),
            models.CheckConstraint(condition=Q(unit_price__gte=Decimal("0")), name="product_unit_price_gte_0"),
        ]
        indexes = [models.Index(fields=["name"]), models.Index(fields=["category", "name"])]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"
