"""Concurrent orders splitting across locations against the last units (PostgreSQL, real threads).

The case of Vendure #4030: two orders each taking the last units of one location and the remainder of another
must never both be confirmed for more than the locations hold.
"""

import pytest
from django.db.models import Sum

from accounts.tests.factories import UserFactory
from orders import services
from orders.jobs import process_order
from orders.models import Order, Status
from orders.tests.factories import ProductFactory
from orders.tests.support import assert_stock_consistent, in_threads
from stock import services as stock_services
from stock.models import MAIN_LOCATION_ID, Location, Reservation, ReservationState, StockLevel
from stock.tests.factories import receive

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _pending(user, lines) -> Order:
    return services.place_order(
        user=user, customer_name="Race", items=[{"product_id": p.pk, "quantity": q} for p, q in lines]
    )


@pytest.fixture
def two_locations():
    admin = UserFactory(role="admin")
    second = stock_services.create_location(actor=admin, code="SECOND", name="Second", priority=5)
    return Location.objects.get(pk=MAIN_LOCATION_ID), second


def test_concurrent_split_orders_never_allocate_more_than_there_is(jobs_by_hand, two_locations):
    main, second = two_locations
    user = UserFactory(role="staff")
    a, b = ProductFactory(), ProductFactory()
    for product in (a, b):
        receive(product, 7, location=main)
        receive(product, 7, location=second)
    # 14 of each; every order wants 4 of a and 3 of b: at most 3 orders fit by a (12 of 14), and the third has
    # to split a 3 + 1 across the two locations.
    orders = [_pending(user, [(a, 4), (b, 3)] if i % 2 else [(b, 3), (a, 4)]) for i in range(16)]

    outcomes = in_threads(process_order, [order.pk for order in orders], workers=16)

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    confirmed = Order.objects.filter(status=Status.CONFIRMED)
    assert confirmed.count() == 3
    assert Order.objects.filter(status=Status.REJECTED).count() == 13
    active = Reservation.objects.filter(state=ReservationState.ACTIVE)
    assert active.filter(product=a).aggregate(total=Sum("quantity"))["total"] == 12
    assert active.filter(product=b).aggregate(total=Sum("quantity"))["total"] == 9
    for level in StockLevel.objects.filter(product__in=[a, b]):
        assert 0 <= level.reserved <= level.on_hand == 7, level
    # Every confirmed order holds exactly its lines, however split.
    for order in confirmed:
        held = dict(
            active.filter(reference=order.reservation_reference)
            .values_list("product_id")
            .annotate(total=Sum("quantity"))
            .values_list("product_id", "total")
        )
        assert held == {a.pk: 4, b.pk: 3}
    assert active.filter(product=a).values("location_id").distinct().count() == 2
    assert_stock_consistent()


def test_concurrent_split_orders_for_the_last_units_then_ship_and_cancel(jobs_by_hand, two_locations):
    main, second = two_locations
    user = UserFactory(role="admin")
    product = ProductFactory()
    receive(product, 3, location=main)
    receive(product, 3, location=second)
    # Every order needs 4: none fits one location, each must split; only one can have the 6 units' 4.
    orders = [_pending(user, [(product, 4)]) for _ in range(12)]

    outcomes = in_threads(process_order, [order.pk for order in orders], workers=12)

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sorted(outcomes) == ["confirmed"] + ["rejected"] * 11, outcomes
    [winner] = Order.objects.filter(status=Status.CONFIRMED)
    assert sorted(
        Reservation.objects.filter(reference=winner.reservation_reference).values_list("location_id", "quantity")
    ) == sorted([(main.pk, 3), (second.pk, 1)])
    assert_stock_consistent()

    # Ship and cancel race on the winner: exactly one applies, and the figures follow its allocations.
    def act(action):
        return action(order=Order.objects.get(pk=winner.pk), user=user).status

    results = in_threads(act, [services.ship_order, services.cancel_order] * 5, workers=10)
    applied = [r for r in results if isinstance(r, str)]
    assert len(applied) == 1, results
    on_hand = {lvl.location_id: lvl.on_hand for lvl in StockLevel.objects.filter(product=product)}
    assert on_hand == ({main.pk: 0, second.pk: 2} if applied == ["shipped"] else {main.pk: 3, second.pk: 3})
    assert not StockLevel.objects.filter(reserved__gt=0).exists()
    assert_stock_consistent()
