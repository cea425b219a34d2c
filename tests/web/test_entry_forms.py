"""The entry forms never record the wrong thing or lose what was typed.

- After a movement the next form keeps its type, supplier and reason (not the note), without JavaScript, and
  says the direction loudly.
- A one-time token that was spent answers "already submitted" and goes where the first post went; an unknown
  or expired one re-shows the form as typed, with a warning and a fresh token, and records nothing.
"""

import re

import pytest

from orders.models import Order
from stock.models import StockMovement
from tests.factories import SupplierFactory, stocked
from tests.web.conftest import form_token
from tests.web.test_order_pages import order_data

pytestmark = pytest.mark.django_db
NEW = "/stock/movements/new/"
COUNT = "/stock/counts/new/"
ORDER = "/orders/new/"


def _selected(html: str, name: str) -> str | None:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, flags=re.S)
    assert select, name
    chosen = re.search(r'<option value="([^"]*)"[^>]*selected', select.group(1))
    return chosen.group(1) if chosen else None


def _heading(html: str) -> re.Match:
    heading = re.search(r'<h1 id="movement-heading" class="([^"]*)"[^>]*>([^<]*)</h1>', html)
    assert heading, "the movement form says its direction in the heading"
    return heading


# --- 4.1: the next entry keeps its type, supplier and reason --------------------------------------
def test_after_an_out_the_next_form_is_an_out_with_the_same_reason(staff_web):
    stocked(10, sku="KEEP-1")
    page = staff_web.get(f"{NEW}?type=OUT")
    data = {"form_token": form_token(page), "product": "KEEP-1", "change_type": "OUT", "quantity": "2",
            "reason": "damage", "note": "crushed box"}
    response = staff_web.post(NEW, data, follow=True)
    assert response.redirect_chain == [(f"{NEW}?type=OUT&reason=damage", 302)]
    html = response.content.decode()
    assert "Recorded OUT 2" in html
    assert _selected(html, "change_type") == "OUT" and _selected(html, "reason") == "damage"
    assert "crushed box" not in html  # the note starts empty
    classes, text = _heading(html).groups()
    assert text == "Stock OUT" and "direction-out" in classes
    assert 'class="card entry-form direction-out"' in html
    # The next scan, posted as the form now stands, is an OUT again.
    again = {**data, "form_token": form_token(response), "note": ""}
    staff_web.post(NEW, again)
    assert list(StockMovement.objects.order_by("id").values_list("change_type", "quantity", "reason")) == [
        ("IN", 10, "purchase"),
        ("OUT", 2, "damage"),
        ("OUT", 2, "damage"),
    ]


def test_after_an_in_the_next_form_keeps_the_supplier(staff_web):
    stocked(0, sku="KEEP-2")
    supplier = SupplierFactory(name="Acme")
    data = {"form_token": form_token(staff_web.get(NEW)), "product": "KEEP-2", "change_type": "IN", "quantity": "5",
            "supplier": supplier.pk, "reason": "return"}
    response = staff_web.post(NEW, data, follow=True)
    assert response.redirect_chain == [(f"{NEW}?type=IN&supplier={supplier.pk}&reason=return", 302)]
    html = response.content.decode()
    assert _selected(html, "supplier") == str(supplier.pk) and _selected(html, "reason") == "return"
    classes, text = _heading(html).groups()
    assert text == "Stock IN" and "direction-in" in classes


def test_a_fresh_form_says_stock_in_and_odd_queries_are_ignored(staff_web):
    html = staff_web.get(f"{NEW}?type=SIDEWAYS&supplier=%00&reason=nope").content.decode()
    assert _heading(html).group(2) == "Stock IN"
    assert _selected(html, "change_type") == "IN" and _selected(html, "reason") == ""


def test_a_re_shown_out_form_still_says_out(staff_web):
    stocked(1, sku="KEEP-3")
    data = {"form_token": form_token(staff_web.get(NEW)), "product": "KEEP-3", "change_type": "OUT", "quantity": "9"}
    response = staff_web.post(NEW, data)
    assert response.status_code == 400 and _heading(response.content.decode()).group(2) == "Stock OUT"


# --- 4.4: spent vs unknown tokens, on all three forms ----------------------------------------------
def _movement(token):
    return {"form_token": token, "product": "TOK-1", "change_type": "OUT", "quantity": "1", "note": "typed note"}


def _count(token):
    return {"form_token": token, "product": "TOK-1", "counted_quantity": "7", "note": "typed note"}


def _order(token):
    return order_data(token, [("TOK-1", "3")], customer_name="Typed Customer", note="typed note")


FORMS = [
    pytest.param(NEW, _movement, lambda: StockMovement.objects.filter(note="typed note").count(), id="movement"),
    pytest.param(COUNT, _count, lambda: StockMovement.objects.filter(note="typed note").count(), id="count"),
    pytest.param(ORDER, _order, lambda: Order.objects.count(), id="order"),
]


@pytest.mark.parametrize(("url", "data", "recorded"), FORMS)
def test_a_spent_token_says_already_submitted_and_records_once(staff_web, url, data, recorded):
    stocked(10, sku="TOK-1")
    token = form_token(staff_web.get(url))
    first = staff_web.post(url, data(token))
    assert first.status_code == 302 and recorded() == 1
    second = staff_web.post(url, data(token), follow=True)
    assert "already submitted" in second.content.decode()
    assert second.redirect_chain[0][0] == first["Location"]  # where the first post went (the order's page)
    assert recorded() == 1


@pytest.mark.parametrize(("url", "data", "recorded"), FORMS)
@pytest.mark.parametrize("token", ["", "0123456789abcdef0123456789abcdef", "not-a-token"])
def test_an_unknown_token_re_shows_the_form_as_typed(staff_web, url, data, recorded, token):
    stocked(10, sku="TOK-1")
    staff_web.get(url)
    response = staff_web.post(url, data(token))
    html = response.content.decode()
    assert response.status_code == 400 and recorded() == 0
    assert "expired" in html and "already submitted" not in html
    assert "typed note" in html and 'value="TOK-1"' in html
    if url == ORDER:
        assert 'value="Typed Customer"' in html and "not placed" in html
    fresh = form_token(response)
    assert fresh != token
    staff_web.post(url, data(fresh))  # posted again as shown: recorded once
    assert recorded() == 1


@pytest.mark.parametrize(("url", "data", "recorded"), FORMS)
def test_an_expired_token_re_shows_the_form_as_typed(staff_web, url, data, recorded):
    """A token pushed out by twenty newer forms (other tabs) has expired: nothing is lost, nothing recorded."""
    stocked(10, sku="TOK-1")
    old = form_token(staff_web.get(url))
    for _ in range(20):
        staff_web.get(url)
    response = staff_web.post(url, data(old))
    html = response.content.decode()
    assert response.status_code == 400 and recorded() == 0
    assert "expired" in html and "already submitted" not in html and "typed note" in html


@pytest.mark.parametrize(("url", "data", "recorded"), FORMS)
def test_a_form_that_recorded_nothing_is_not_called_submitted(staff_web, url, data, recorded):
    """The token of a post refused by validation was used, but nothing was recorded: a replay re-shows it."""
    stocked(10, sku="TOK-1")
    token = form_token(staff_web.get(url))
    bad = {**data(token), "quantity": "0", "counted_quantity": "-1", "items-0-quantity": "0"}
    assert staff_web.post(url, bad).status_code == 400
    replay = staff_web.post(url, data(token))
    html = replay.content.decode()
    assert replay.status_code == 400 and "already submitted" not in html and "expired" in html
    assert recorded() == 0


def test_the_order_warning_no_longer_claims_an_order_that_was_never_placed(staff_web):
    stocked(10, sku="TOK-1")
    response = staff_web.post(ORDER, _order("f" * 32), follow=True)
    assert "it was not placed a second time" not in response.content.decode()
    assert not Order.objects.exists()
