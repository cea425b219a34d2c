"""Reads for imports: the imports and their rows, and the bulk reads validation and apply make."""

from django.db.models import QuerySet
from django.db.models.functions import Lower

from catalog.models import Product
from imports.models import Import, ImportRow, RowStatus
from stock.models import Location, StockLevel

IN_CHUNK = 2000  # ids or keys per IN (...) list: well under SQLite's variable limit


def _chunks(items: list, size: int = IN_CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def import_list() -> QuerySet:
    return Import.objects.select_related("created_by", "applied_by", "location").defer("source")


def import_detail(pk: int) -> Import | None:
    return import_list().filter(pk=pk).first()


def import_rows(job: Import, *, status: str | None = None) -> QuerySet:
    rows = ImportRow.objects.filter(job=job)
    return rows.filter(status=status) if status else rows


def invalid_rows(job: Import) -> QuerySet:
    return import_rows(job, status=RowStatus.INVALID).order_by("row_number")


def products_by_sku(skus) -> dict[str, Product]:
    """The products whose SKU is one of ``skus`` in any case, by lower-cased SKU (one query per 2,000)."""
    keys = sorted({sku.lower() for sku in skus})
    found = {}
    for chunk in _chunks(keys):
        for product in (
            Product.objects.annotate(sku_key=Lower("sku")).filter(sku_key__in=chunk).select_related("category")
        ):
            found[product.sku.lower()] = product
    return found


def locations_by_code() -> dict[str, Location]:
    return {location.code.lower(): location for location in Location.objects.all()}


def product_keys_by_sku(skus) -> dict[str, tuple]:
    """``(pk, sku, is_active)`` (named) of the products whose SKU is one of ``skus`` in any case, by lower-cased
    SKU: what a stock row needs, without building models (one query per 2,000)."""
    keys = sorted({sku.lower() for sku in skus})
    found = {}
    for chunk in _chunks(keys):
        query = Product.objects.annotate(sku_key=Lower("sku")).filter(sku_key__in=chunk)
        for product in query.values_list("pk", "sku", "is_active", named=True):
            found[product.sku.lower()] = product
    return found


def level_figures(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], tuple[int, int]]:
    """``(on hand, reserved)`` of each (product, location) level row of ``pairs`` that exists."""
    product_ids = sorted({product_id for product_id, _ in pairs})
    location_ids = {location_id for _, location_id in pairs}
    figures = {}
    for chunk in _chunks(product_ids):
        levels = StockLevel.objects.filter(product_id__in=chunk, location_id__in=location_ids)
        for product_id, location_id, total_in, total_out, reserved in levels.values_list(
            "product_id", "location_id", "total_in", "total_out", "reserved"
        ):
            if (product_id, location_id) in pairs:
                figures[(product_id, location_id)] = (total_in - total_out, reserved)
    return figures


def products_in_bulk(ids) -> dict[int, Product]:
    return Product.objects.select_related("category").in_bulk(list(ids))


def locations_in_bulk(ids) -> dict[int, Location]:
    return Location.objects.in_bulk(list(ids))
