"""Shared filter pieces for django-filter: dates and text go through inventory_site.params (bad values: 400).

`start_date`/`end_date` cover whole calendar days in TIME_ZONE, end inclusive.
"""

import django_filters
from django import forms

from inventory_site.params import TextField, date_range


class TextFilter(django_filters.CharFilter):
    """Every free-text filter: a NUL character or more than ``params.MAX_TEXT_LENGTH`` characters is a 400."""

    field_class = TextField


class DateRangeFilterSet(django_filters.FilterSet):
    """Adds `start_date`/`end_date` on ``date_field``."""

    date_field = "created_at"
    start_date = django_filters.CharFilter(method="_noop")
    end_date = django_filters.CharFilter(method="_noop")

    def _noop(self, queryset, name, value):
        return queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        start, end = date_range(self.data)
        if start is not None:
            queryset = queryset.filter(**{f"{self.date_field}__gte": start})
        if end is not None:
            queryset = queryset.filter(**{f"{self.date_field}__lt": end})
        return queryset


def parse_boolean(value) -> bool | None:
    """true/false (any case) or 1/0; None for a missing value; ValueError for anything else."""
    if value in (None, ""):
        return None
    lowered = str(value).strip().lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise ValueError(value)


class StrictBooleanField(forms.Field):
    def to_python(self, value):
        try:
            return parse_boolean(value)
        except ValueError:
            raise forms.ValidationError("Use true or false.") from None


class StrictBooleanFilter(django_filters.BooleanFilter):
    """true/false (any case) or 1/0; anything else is a 400 rather than silently ignored."""

    field_class = StrictBooleanField
