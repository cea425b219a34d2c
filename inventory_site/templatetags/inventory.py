"""The pages' one way of showing a date-time, an amount of money and a product (``{% load inventory %}``).

- ``{{ value|when }}``: a ``<time>`` in the site's time zone, with the zone shown (``2026-03-01 14:05 UTC``;
  in German ``01.03.2026 14:05 UTC``), ``{{ value|day }}`` a date alike;
- ``{{ value|money }}``: an amount with two decimals and the ``CURRENCY`` setting (``1,234.50 EUR``);
- ``{% product_link product %}``: the SKU and name linking to the product page (``"sku"`` or ``"name"``: one).
"""

from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import get_language, gettext_lazy

register = template.Library()

# The one date-time format of the pages: the zone is always shown, so a time is never ambiguous. Another
# language writes dates its own way (German: 01.03.2026 14:05 UTC); English keeps ISO order.
DATETIME_FORMAT = "Y-m-d H:i T"
DATE_FORMAT = "Y-m-d"
LANGUAGE_FORMATS = {"de": {"datetime": "d.m.Y H:i T", "date": "d.m.Y"}}


def _format(kind: str, default: str) -> str:
    return LANGUAGE_FORMATS.get(get_language() or "", {}).get(kind, default)


def format_when(value) -> str:
    """``value`` as text in the site's time zone, with the zone's name (what ``when`` shows)."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return dateformat.format(value, _format("datetime", DATETIME_FORMAT))


@register.filter
def day(value):
    """A date in the page's language (``2026-03-01``; German ``01.03.2026``)."""
    if not value:
        return ""
    return dateformat.format(value, _format("date", DATE_FORMAT))


@register.filter
def when(value):
    if not value:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return format_html('<time datetime="{}">{}</time>', local.isoformat(timespec="seconds"), format_when(value))


def format_money(value) -> str:
    """``value`` with two decimals, grouped, and the currency code (what ``money`` shows)."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    return f"{number_format(amount, decimal_pos=2, force_grouping=True)} {settings.CURRENCY}"


@register.filter
def money(value):
    if value is None or value == "":
        return ""
    return format_money(value)


@register.simple_tag
def currency() -> str:
    return settings.CURRENCY


def _product_parts(product):
    if isinstance(product, dict):
        return product.get("product_id") or product.get("id"), product.get("sku", ""), product.get("name", "")
    return product.pk, product.sku, product.name


@register.simple_tag
def product_link(product, show: str = "both"):
    """A product's SKU and name linking to its page; ``show`` ``"sku"`` or ``"name"`` links just that."""
    if product is None:
        return ""
    pk, sku, name = _product_parts(product)
    url = reverse("stock:product-detail", kwargs={"pk": pk})
    if show == "sku":
        return format_html('<a class="sku product-link" href="{}">{}</a>', url, sku)
    if show == "name":
        return format_html('<a class="product-link" href="{}">{}</a>', url, name)
    return format_html('<a class="product-link" href="{}"><span class="sku">{}</span> {}</a>', url, sku, name)


# Date presets of the history and report pages: (label, days back from today, today included).
DATE_PRESETS = ((gettext_lazy("Today"), 1), (gettext_lazy("7 days"), 7), (gettext_lazy("30 days"), 30))


def date_preset_links(query, *, today=None) -> list[dict]:
    """``start_date``/``end_date`` links for each preset, keeping the page's other filters (and dropping
    ``page``); ``current`` on the one the query already asks for."""
    today = today or timezone.localdate()
    links = []
    for label, days in DATE_PRESETS:
        start = (today - timedelta(days=days - 1)).isoformat()
        params = query.copy()
        params.pop("page", None)
        params["start_date"], params["end_date"] = start, today.isoformat()
        current = query.get("start_date") == start and query.get("end_date") == today.isoformat()
        links.append({"label": label, "url": f"?{params.urlencode()}", "current": current})
    return links


@register.inclusion_tag("partials/date_presets.html", takes_context=True)
def date_presets(context):
    return {"presets": date_preset_links(context["request"].GET)}
