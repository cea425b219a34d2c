"""Reads of the catalogue. Stock figures come from the level row through the reverse one-to-one
(``stock_level__...``, a LEFT JOIN), never by importing ``stock`` and never by summing the ledger."""

from django.db.models import BigIntegerField, Count, F, QuerySet
from django.db.models.functions import Coalesce

from catalog.models import Category, Product, Supplier


def _figure(path: str):
    # A product without a level row yet has no stock: 0, not NULL.
    return Coalesce(F(path), 0, output_field=BigIntegerField())


def with_stock_figures(queryset: QuerySet) -> QuerySet:
    """Annotate products with ``on_hand``, ``reserved``, ``available``, ``last_restocked_at``: one query per page."""
    on_hand = _figure("stock_level__total_in") - _figure("stock_level__total_out")
    reserved = _figure("stock_level__reserved")
    return queryset.annotate(
        on_hand=on_hand,
        reserved=reserved,
        available=on_hand - reserved,
        last_restocked_at=F("stock_level__last_restocked_at"),
    )


def product_list() -> QuerySet:
    return with_stock_figures(Product.objects.all())


def low_stock(queryset: QuerySet, value: bool = True) -> QuerySet:
    """Products whose ``available`` is at or below the reorder point (on an annotated queryset)."""
    if value:
        return queryset.filter(available__lte=F("min_quantity"))
    return queryset.filter(available__gt=F("min_quantity"))


def product_detail(pk: int) -> Product | None:
    return product_list().filter(pk=pk).first()


def category_list() -> QuerySet:
    return Category.objects.annotate(product_count=Count("products"))


def category_detail(pk: int) -> Category | None:
    return category_list().filter(pk=pk).first()


def supplier_list() -> QuerySet:
    return Supplier.objects.all()


def product_by_sku(sku: str) -> Product | None:
    """Case-insensitive, as the unique constraint is (a scanner may type the SKU in any case)."""
    return Product.objects.filter(sku__iexact=(sku or "").strip()).first()
