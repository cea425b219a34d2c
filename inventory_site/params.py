"""Query parameters, checked in one place for the API filters, the reports and the HTML pages: dates and text.

Bad input here is always a 400 naming the parameter (a form error on a page), never a 500:

- ``start_date``/``end_date``: an ISO 8601 date (a whole calendar day in TIME_ZONE, the end inclusive) or
  date-time. A day that does not exist (``2024-02-30``, ``2023-13-01``) is refused, and so is any day outside
  the years 2 to 9998: past them adding the day after ``end_date``, or converting to UTC, leaves the range of
  Python's ``datetime`` (``end_date=9999-12-31`` used to be a 500).
- Free text (searches, names, codes): a NUL character (PostgreSQL refuses it in any string) or more than
  ``MAX_TEXT_LENGTH`` characters is refused, never stripped or cut, so what is searched is what was sent.
"""

from datetime import date, datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from inventory_site.exceptions import Invalid

FIRST_DAY = date(2, 1, 1)
LAST_DAY = date(9998, 12, 31)
MAX_TEXT_LENGTH = 254  # the longest text column anyone filters on (an email): a longer value can never match

DATE_FORMAT = "Use an ISO 8601 date (YYYY-MM-DD) or date-time."
NO_SUCH_DAY = "No such date: check the day and the month."
OUT_OF_RANGE = "The date is out of range (years 2 to 9998)."
NUL_CHARACTER = "Null characters are not allowed."
TOO_LONG = f"At most {MAX_TEXT_LENGTH} characters."


# --- Checks (a Django ValidationError, for form fields) ------------------------------------------
def check_day(day: date) -> date:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise forms.ValidationError(OUT_OF_RANGE, code="out_of_range")
    return day


def check_text(text: str, *, max_length: int = MAX_TEXT_LENGTH) -> str:
    if "\x00" in text:
        raise forms.ValidationError(NUL_CHARACTER, code="null_characters_not_allowed")
    if len(text) > max_length:
        message = TOO_LONG if max_length == MAX_TEXT_LENGTH else f"At most {max_length} characters."
        raise forms.ValidationError(message, code="max_length")
    return text


def parse_moment(value: str, *, end: bool) -> datetime:
    """An aware datetime: a date is the start of that day (of the next one for an ``end``) in TIME_ZONE."""
    value = check_text(value.strip(), max_length=64)
    try:
        day = parse_date(value) if len(value) <= 10 else None
        moment = None if day is not None else parse_datetime(value)
    except ValueError:  # the right shape, but no such day or time
        raise forms.ValidationError(NO_SUCH_DAY, code="invalid_date") from None
    if day is not None:
        check_day(day)
        return day_range(None, day)[1] if end else day_range(day, None)[0]
    if moment is None:
        raise forms.ValidationError(DATE_FORMAT, code="invalid")
    check_day(moment.date())
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def day_range(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    """Aware datetimes covering the calendar days ``start``..``end`` (inclusive) in TIME_ZONE: ``(low, high)``."""
    tz = timezone.get_current_timezone()
    low = timezone.make_aware(datetime.combine(start, time.min), tz) if start else None
    high = timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), tz) if end else None
    return low, high


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    return day_range(day, day)


# --- Query parameters (Invalid keyed by the parameter: a 400 problem+json) ------------------------
def _invalid(name: str, error: forms.ValidationError) -> Invalid:
    return Invalid.of({name: list(error.messages)})


def date_range(params, *, default_days: int | None = None) -> tuple[datetime | None, datetime | None]:
    """``(start, end_exclusive)`` from ``start_date``/``end_date``; 400 on a bad date or an end before the start.

    With ``default_days`` a missing bound defaults to the ``default_days`` days ending today.
    """
    bounds = {}
    for name, end in (("start_date", False), ("end_date", True)):
        raw = params.get(name)
        try:
            bounds[name] = parse_moment(str(raw), end=end) if raw not in (None, "") else None
        except forms.ValidationError as error:
            raise _invalid(name, error) from None
    start, end = bounds["start_date"], bounds["end_date"]
    if default_days is not None:
        if end is None:
            end = day_range(None, timezone.localdate())[1]
        if start is None:
            start = end - timedelta(days=default_days)
            if timezone.localtime(start).date() < FIRST_DAY:
                raise _invalid("start_date", forms.ValidationError(OUT_OF_RANGE))
    if start is not None and end is not None and end <= start:
        raise Invalid.of({"end_date": ["The end date must not be before the start date."]})
    return start, end


def text_param(params, name: str, *, max_length: int = MAX_TEXT_LENGTH) -> str:
    """A free-text parameter, stripped; "" when missing; 400 on a NUL character or too long a value."""
    try:
        return check_text(str(params.get(name) or "").strip(), max_length=max_length)
    except forms.ValidationError as error:
        raise _invalid(name, error) from None


# --- Form fields -----------------------------------------------------------------------------------
class DayField(forms.DateField):
    """A date in a filter form: a real day within the range every query can handle."""

    def validate(self, value):
        super().validate(value)
        if value is not None:
            check_day(value)


class TextField(forms.CharField):
    """Free text in a filter form: at most ``MAX_TEXT_LENGTH`` characters, no NUL (Django's CharField refuses it)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", MAX_TEXT_LENGTH)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
