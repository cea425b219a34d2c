"""The filters and sort fields of stock's lists, one set per resource for the API and the HTML pages alike."""

import django_filters
from django.db.models import Q

from inventory_site.api.filters import DateRangeFilterSet, StrictBooleanFilter, TextFilter
from stock import selectors
from stock.models import ChangeType, Reason


class MovementFilter(DateRangeFilterSet):
    date_field = "created_at"
    change_type = django_filters.ChoiceFilter(choices=ChangeType.choices)
    product_id = django_filters.NumberFilter(field_name="product_id")
    user_id = django_filters.NumberFilter(field_name="user_id")
    supplier_id = django_filters.NumberFilter(field_name="supplier_id")
    reason = django_filters.ChoiceFilter(choices=Reason.choices)


MOVEMENT_SORTS = {"created_at": "created_at", "quantity": "quantity"}


class CatalogueFilter(django_filters.FilterSet):
    """What levels and products filter alike: the category, active or not, and low stock (stock.selectors)."""

    category_id = django_filters.NumberFilter(field_name="category_id")
    is_active = StrictBooleanFilter(field_name="is_active")
    low_stock = StrictBooleanFilter(method="filter_low_stock", help_text="available <= min_quantity")

    def filter_low_stock(self, queryset, name, value):
        return queryset if value is None else selectors.low_stock(queryset, value)


class LevelFilter(CatalogueFilter):
    product_id = django_filters.NumberFilter(field_name="id")


LEVEL_SORTS = {
    "product_id": "id",
    "sku": "sku",
    "name": "name",
    "on_hand": "on_hand",
    "available": "available",
    "last_restocked_at": "last_restocked_at",
}


class ProductFilter(CatalogueFilter):
    name = TextFilter(field_name="name", lookup_expr="icontains")
    search = TextFilter(method="filter_search", help_text="Name or SKU contains.")

    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(sku__icontains=value))


PRODUCT_SORTS = {
    "name": "name",
    "sku": "sku",
    "created_at": "created_at",
    "unit_price": "unit_price",
    "available": "available",
}
