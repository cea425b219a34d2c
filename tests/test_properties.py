"""Property test: random sequences of movements, counts, orders, shipments and cancels keep the ledger,
the levels and an in-memory model in agreement, with 0 <= reserved <= on_hand throughout."""

from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inventory_site.exceptions import DomainError

PRODUCTS = 3

product_index = st.integers(0, PRODUCTS - 1)
quantity = st.integers(1, 15)
operation = st.one_of(
    st.tuples(st.just("in"), product_index, quantity),
    st.tuples(st.just("out"), product_index, quantity),
    st.tuples(st.just("count"), product_index, st.integers(0, 30)),
    st.tuples(
        st.just("order"),
        st.lists(st.tuples(product_index, quantity), min_size=1, max_size=PRODUCTS, unique_by=lambda line: line[0]),
    ),
    st.tuples(st.just("ship"), st.integers(0, 7)),
    st.tuples(st.just("cancel"), st.integers(0, 7)),
)


class _Rollback(Exception):
    pass


class Model:
    """What the figures must be, computed without the database."""

    def __init__(self):
        self.on_hand = [0] * PRODUCTS
        self.reserved = [0] * PRODUCTS
        self.orders: list[dict] = []  # {"status", "lines"}

    def available(self, index: int) -> int:
        return self.on_hand[index] - self.reserved[index]


def _run(operation_, model: Model, products, orders, user):
    from orders import services as order_services
    from stock import services as stock_services

    kind = operation_[0]
    if kind in ("in", "out"):
        _, index, amount = operation_
        allowed = kind == "in" or amount <= model.available(index)
        _expect(
            allowed,
            lambda: stock_services.record_movement(
                product=products[index], change_type=kind.upper(), quantity=amount, user=user
            ),
        )
        if allowed:
            model.on_hand[index] += amount if kind == "in" else -amount
    elif kind == "count":
        _, index, counted = operation_
        allowed = counted >= model.reserved[index]
        _expect(
            allowed, lambda: stock_services.count_stock(product=products[index], counted_quantity=counted, user=user)
        )
        if allowed:
            model.on_hand[index] = counted
    elif kind == "order":
        _place(operation_[1], model, products, orders, user, order_services)
    else:
        _transition(kind, operation_[1], model, orders, user, order_services)


def _place(lines, model, products, orders, user, order_services):
    order = order_services.place_order(
        user=user,
        customer_name="Property",
        items=[{"product_id": products[index].pk, "quantity": amount} for index, amount in lines],
    )
    order_services.process_pending_order(order_id=order.pk)
    fits = all(amount <= model.available(index) for index, amount in lines)
    if fits:
        for index, amount in lines:
            model.reserved[index] += amount
    model.orders.append({"status": "confirmed" if fits else "rejected", "lines": lines})
    orders.append(order)
    order.refresh_from_db()
    assert order.status == model.orders[-1]["status"]


def _transition(kind, position, model, orders, user, order_services):
    if not orders:
        return
    position %= len(orders)
    expected = model.orders[position]
    allowed = expected["status"] == "confirmed" if kind == "ship" else expected["status"] in ("pending", "confirmed")
    action = order_services.ship_order if kind == "ship" else order_services.cancel_order
    _expect(allowed, lambda: action(order=orders[position], user=user))
    if not allowed:
        return
    for index, amount in expected["lines"]:
        if expected["status"] == "confirmed":
            model.reserved[index] -= amount
        if kind == "ship":
            model.on_hand[index] -= amount
    expected["status"] = "shipped" if kind == "ship" else "cancelled"


def _expect(allowed: bool, call) -> None:
    if allowed:
        call()
    else:
        with pytest.raises(DomainError):
            call()


def _check(model: Model, products) -> None:
    from django.core.management import call_command

    from stock.models import StockLevel

    levels = {level.product_id: level for level in StockLevel.objects.filter(product__in=products)}
    for index, product in enumerate(products):
        level = levels.get(product.pk)
        on_hand, reserved = (level.on_hand, level.reserved) if level else (0, 0)
        assert (on_hand, reserved) == (model.on_hand[index], model.reserved[index])
        assert 0 <= reserved <= on_hand
    call_command("reconcile_stock", verbosity=0)  # ledger == levels, reserved == active reservations


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(operation, min_size=1, max_size=25))
def test_random_operations_keep_every_invariant(admin_user, operations):
    from catalog.models import Category, Product

    try:
        # Hypothesis runs every example inside this one test's transaction: each example gets a savepoint.
        with transaction.atomic():
            category = Category.objects.create(name="Property")
            products = [
                Product.objects.create(sku=f"P-{i}", name=f"Property {i}", category=category, unit_price=Decimal("1"))
                for i in range(PRODUCTS)
            ]
            model, orders = Model(), []
            for operation_ in operations:
                _run(operation_, model, products, orders, admin_user)
                _check(model, products)
            raise _Rollback
    except _Rollback:
        pass
