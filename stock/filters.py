"""The filters and sort fields of stock's lists, one set per resource for the API and the HTML pages alike."""

import django_filters
from django.db.models import Q

from inventory_site import limits
from inventory_site.api.filters import DateRangeFilterSet, StrictBooleanFilter, TextFilter
from stock import selectors
from stock.models import ChangeType, DocumentKind, DocumentStatus, LocationKind, Reason


class LocationIdFilter(django_filters.NumberFilter):
    """``location_id``: the location and every location below it (stock is held only at exact locations)."""

    def __init__(self, *, fields=("location_id",), **kwargs):
        self.location_fields = fields
        kwargs.setdefault("help_text", "A location id; its sub-locations are included.")
        super().__init__(method=self.filter_subtree, **kwargs)

    def filter_subtree(self, queryset, name, value):
        if value is None:
            return queryset
        whole = value == int(value) and 1 <= value <= limits.MAX_ID
        ids = selectors.locations_for(int(value)) if whole else []
        condition = Q()
        for field in self.location_fields:
            condition |= Q(**{f"{field}__in": ids})
        return queryset.filter(condition)


class MovementFilter(DateRangeFilterSet):
    date_field = "created_at"
    change_type = django_filters.ChoiceFilter(choices=ChangeType.choices)
    product_id = django_filters.NumberFilter(field_name="product_id")
    user_id = django_filters.NumberFilter(field_name="user_id")
    supplier_id = django_filters.NumberFilter(field_name="supplier_id")
    reason = django_filters.ChoiceFilter(choices=Reason.choices)
    location_id = LocationIdFilter()
    document_id = django_filters.NumberFilter(field_name="document_id")


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


class LevelRowFilter(CatalogueFilter):
    """The level filters on rows of one product at one location (``stock/levels?by_location=true``)."""

    product_id = django_filters.NumberFilter(field_name="product_id")
    category_id = django_filters.NumberFilter(field_name="product__category_id")
    is_active = StrictBooleanFilter(field_name="product__is_active")


LEVEL_ROW_SORTS = {**LEVEL_SORTS, "product_id": "product_id", "location_id": "location_id"}


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


class LocationFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=LocationKind.choices)
    parent_id = django_filters.NumberFilter(field_name="parent_id")
    is_active = StrictBooleanFilter(field_name="is_active")
    is_default = StrictBooleanFilter(field_name="is_default")
    search = TextFilter(method="filter_search", help_text="Code or name contains.")

    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value))


LOCATION_SORTS = {"priority": "priority", "code": "code", "name": "name", "id": "id"}


class DocumentFilter(DateRangeFilterSet):
    date_field = "created_at"
    kind = django_filters.ChoiceFilter(choices=DocumentKind.choices)
    status = django_filters.ChoiceFilter(choices=DocumentStatus.choices)
    reference = TextFilter(field_name="reference")
    location_id = LocationIdFilter(fields=("location_id", "source_location_id", "destination_location_id"))


DOCUMENT_SORTS = {"created_at": "created_at", "id": "id"}
