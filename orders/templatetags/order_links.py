"""Links to orders from any page (``{% load order_links %}``): stock's pages name orders by a reservation's
``order:<id>`` or a movement's reference (the order number) and never import orders."""

from django import template
from django.urls import reverse
from django.utils.html import format_html

from orders.models import order_id_from_number, order_number

register = template.Library()
RESERVATION_PREFIX = "order:"


def _order_id(reference) -> int | None:
    text = str(reference or "")
    if text.startswith(RESERVATION_PREFIX) and text[len(RESERVATION_PREFIX) :].isdigit():
        return int(text[len(RESERVATION_PREFIX) :])
    return order_id_from_number(text)


@register.simple_tag
def order_link(reference, order_id=None):
    """The order a reference (``order:42``, ``ORD-000042``) or ``order_id`` names, as a link with its number;
    any other reference as plain text."""
    pk = order_id if order_id is not None else _order_id(reference)
    if pk is None:
        return reference or ""
    url = reverse("orders:order-detail", kwargs={"pk": pk})
    return format_html('<a class="order-link" href="{}">{}</a>', url, order_number(pk))
