"""Shared filter pieces: `start_date`/`end_date` cover whole calendar days in TIME_ZONE, end inclusive."""

from datetime import date, datetime, time, timedelta

import django_filters
from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from rest_framework.exceptions import ValidationError


def _parse(value: str, name: str, *, end: bool) -> datetime:
    parsed_date = parse_date(value) if len(value) <= 10 else None
    if parsed_date is not None:
        if end:
            parsed_date += timedelta(days=1)
        return timezone.make_aware(datetime.combine(parsed_date, time.min))
    try:
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValidationError({name: ["Use an ISO 8601 date (YYYY-MM-DD) or date-time."]})
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def date_range(params, *, default_days: int | None = None) -> tuple[datetime | None, datetime | None]:
    """``(start, end_exclusive)`` from ``start_date``/``end_date``; 400 on a bad date or an end before the start.

    With ``default_days`` a missing bound defaults to the ``default_days`` days ending today.
    """
    start_raw, end_raw = params.get("start_date"), params.get("end_date")
    start = _parse(start_raw, "start_date", end=False) if start_raw else None
    end = _parse(end_raw, "end_date", end=True) if end_raw else None
    if default_days is not None:
        today = timezone.localdate()
        if end is None:
            end = timezone.make_aware(datetime.combine(today + timedelta(days=1), time.min))
        if start is None:
            start = end - timedelta(days=default_days)
    if start is not None and end is not None and end <= start:
        raise ValidationError({"end_date": ["The end date must not be before the start date."]})
    return start, end


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


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
