"""The outbox: every stock write path emits its events in its own transaction; a rolled-back change emits none;
every movement appears in exactly one ``stock.changed``; the relay stamps sequences in commit order."""

import pytest
from django.db import transaction

from integrations import relay
from integrations.models import Event, EventType
from inventory_site import jobs
from orders import services as order_services
from stock import services
from stock.exceptions import InsufficientStock
from stock.models import Location, LocationKind, StockMovement
from stock.tests.factories import issue, receive, stocked_product, transfer

pytestmark = pytest.mark.django_db

CHANGED = EventType.STOCK_CHANGED


def changed_events(**filters):
    relay.run_job()  # these tests run inside one transaction: no commit, so no kick; stamp as the sweep would
    return list(Event.objects.filter(type=CHANGED, **filters).order_by("position"))


def assert_each_movement_in_exactly_one_event():
    seen: dict[int, int] = {}
    for event in Event.objects.filter(type=CHANGED):
        for movement_id in event.data["movement_ids"]:
            seen[movement_id] = seen.get(movement_id, 0) + 1
    movements = set(StockMovement.objects.values_list("pk", flat=True))
    assert set(seen) == movements, "a movement without its stock.changed event, or an event naming no movement"
    assert all(count == 1 for count in seen.values()), "a movement in more than one stock.changed event"


def test_a_movement_emits_one_stock_changed_with_the_figures_after_it(admin_user):
    product = stocked_product(10, min_quantity=2)
    movement, _ = issue(product, 3, user=admin_user)
    event = changed_events()[-1]
    main = services.default_location()
    assert event.sequence is not None and event.location_id == main.pk
    assert event.data == {
        "product_id": product.pk,
        "sku": product.sku,
        "location_id": main.pk,
        "on_hand": 7,
        "reserved": 0,
        "available": 7,
        "delta_on_hand": -3,
        "delta_reserved": 0,
        "product_available": 7,
        "reason": movement.reason,
        "movement_ids": [movement.pk],
        "document_id": None,
        "order_id": None,
    }


def test_sequences_increase_in_commit_order_with_no_gaps(admin_user):
    product = stocked_product(5)
    for _ in range(4):
        receive(product, 1, user=admin_user)
    relay.run_job()
    sequences = list(Event.objects.order_by("position").values_list("sequence", flat=True))
    assert sequences == list(range(sequences[0], sequences[0] + len(sequences)))


def test_a_rolled_back_change_emits_nothing(admin_user):
    product = stocked_product(5)
    before = Event.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        receive(product, 4, user=admin_user)
        assert Event.objects.count() == before + 1  # written in the change's transaction...
        raise RuntimeError("the request failed after the movement")
    assert Event.objects.count() == before  # ...and rolled back with it


def test_a_refused_movement_emits_nothing(admin_user):
    product = stocked_product(2)
    before = Event.objects.count()
    with pytest.raises(InsufficientStock):
        issue(product, 3, user=admin_user)
    assert Event.objects.count() == before


@pytest.mark.django_db(transaction=True)
def test_a_commit_kicks_the_relay_and_the_sweep_stamps_what_a_lost_kick_left(admin_user, monkeypatch):
    """After a commit the relay runs at once (inline in the tests); an event committed while the relay could not
    run (Redis down, a worker killed) waits unstamped until the scheduler's sweep runs the relay."""
    product = stocked_product(0)
    receive(product, 1, user=admin_user)
    assert Event.objects.order_by("position").last().sequence is not None
    monkeypatch.setattr(relay, "kick", lambda: None)  # nothing reached the queue
    receive(product, 2, user=admin_user)
    event = Event.objects.order_by("position").last()
    assert event.sequence is None
    monkeypatch.undo()
    assert relay.run_job() >= 1
    event.refresh_from_db()
    assert event.sequence is not None


def test_a_worker_process_runs_the_relay_it_pokes_instead_of_enqueueing_one_more_job(settings, monkeypatch):
    """A web process hands the relay to the workers as a job; in a worker (where jobs run anyway) the relay runs
    on the process's own background thread, and a stopping worker lets it finish first."""
    settings.OUTBOX_INLINE, settings.JOBS_IN_PROCESS = False, False
    calls = []
    monkeypatch.setattr(relay, "run_job", lambda: calls.append("ran"))
    monkeypatch.setattr(relay, "enqueue_now", lambda *args, **kwargs: calls.append("enqueued"))
    relay.kick()
    jobs.settle()
    assert calls == ["enqueued"]
    calls.clear()
    with jobs.worker_process():
        assert jobs.in_worker()
        relay.kick()
    assert calls == ["ran"] and not jobs.in_worker()


def test_a_document_emits_one_event_per_line_naming_it(admin_user):
    a, b = stocked_product(10), stocked_product(10)
    document = services.create_document(
        kind="issue", user=admin_user, lines=[{"product_id": a.pk, "quantity": 2}, {"product_id": b.pk, "quantity": 5}]
    )
    events = changed_events(data__document_id=document.pk)
    assert [(e.data["product_id"], e.data["delta_on_hand"]) for e in events] == [(a.pk, -2), (b.pk, -5)]
    movement_ids = set(document.movements.values_list("pk", flat=True))
    assert {m for e in events for m in e.data["movement_ids"]} == movement_ids
    assert_each_movement_in_exactly_one_event()


def test_a_transfer_via_transit_emits_at_each_location_it_moves(admin_user):
    product = stocked_product(10)
    main, transit = services.default_location(), services.transit_location()
    other = Location.objects.create(code="WH2", name="Second", kind=LocationKind.WAREHOUSE, priority=5)
    document = transfer(product, 4, main.pk, other.pk, user=admin_user, via_transit=True)
    sent = changed_events(data__document_id=document.pk)
    assert {(e.location_id, e.data["delta_on_hand"]) for e in sent} == {(main.pk, -4), (transit.pk, 4)}
    services.receive_transfer(document=document, user=admin_user)
    received = changed_events(data__document_id=document.pk)[len(sent) :]
    assert {(e.location_id, e.data["delta_on_hand"], e.data["on_hand"]) for e in received} == {
        (transit.pk, -4, 0),
        (other.pk, 4, 4),
    }
    assert all(e.data["reason"] == "transfer" for e in sent + received)
    assert_each_movement_in_exactly_one_event()


def test_reservations_emit_reserve_release_and_consume(admin_user):
    product = stocked_product(10)
    services.reserve(lines=[(product.pk, 4)], reference="order:1", user=admin_user)
    reserved = changed_events()[-1].data
    assert (reserved["reason"], reserved["delta_reserved"], reserved["delta_on_hand"]) == ("reserve", 4, 0)
    assert (reserved["reserved"], reserved["available"], reserved["movement_ids"]) == (4, 6, [])
    services.release(reference="order:1", user=admin_user)
    released = changed_events()[-1].data
    assert (released["reason"], released["delta_reserved"], released["available"]) == ("release", -4, 10)
    services.reserve(lines=[(product.pk, 3)], reference="order:2", user=admin_user)
    (movement,) = services.consume(reference="order:2", user=admin_user, movement_reference="ORD-2")
    consumed = changed_events()[-1].data
    assert (consumed["reason"], consumed["delta_reserved"], consumed["delta_on_hand"]) == ("consume", -3, -3)
    assert consumed["movement_ids"] == [movement.pk]
    assert_each_movement_in_exactly_one_event()


def test_low_stock_and_back_in_stock_cross_once_each(admin_user):
    product = stocked_product(0, min_quantity=5)
    receive(product, 10, user=admin_user)  # 0 -> 10: in stock (a crossing up, like any other)
    issue(product, 4, user=admin_user)  # 6: above
    issue(product, 2, user=admin_user)  # 4: crossed down
    issue(product, 1, user=admin_user)  # 3: still low
    receive(product, 10, user=admin_user)  # 13: back
    relay.run_job()
    crossings = list(
        Event.objects.filter(type__in=[EventType.STOCK_LOW, EventType.STOCK_BACK_IN_STOCK])
        .order_by("sequence")
        .values_list("type", "data")
    )
    assert crossings[1:] == [
        (EventType.STOCK_LOW, {"product_id": product.pk, "sku": product.sku, "available": 4, "min_quantity": 5}),
        (
            EventType.STOCK_BACK_IN_STOCK,
            {"product_id": product.pk, "sku": product.sku, "available": 13, "min_quantity": 5},
        ),
    ]
    assert crossings[0][0] == EventType.STOCK_BACK_IN_STOCK
    low = Event.objects.get(type=EventType.STOCK_LOW)
    change = Event.objects.filter(type=CHANGED, sequence__lt=low.sequence).order_by("-sequence").first()
    assert change.data["available"] == 4  # the crossing follows the change that caused it


def test_counts_and_reversals_emit_too(admin_user):
    product = stocked_product(10)
    services.count_stock(product=product, counted_quantity=7, user=admin_user)
    assert changed_events()[-1].data["delta_on_hand"] == -3
    document = services.create_document(
        kind="receipt", user=admin_user, lines=[{"product_id": product.pk, "quantity": 5}]
    )
    reversal = services.reverse_document(document=document, user=admin_user)
    last = changed_events()[-1].data
    assert (last["document_id"], last["delta_on_hand"], last["reason"]) == (reversal.pk, -5, "reversal")
    assert_each_movement_in_exactly_one_event()


def test_orders_emit_created_and_each_status_change_and_name_themselves_in_stock_events(admin_user):
    product = stocked_product(10)
    order = order_services.place_order(
        user=admin_user, customer_name="Ann", items=[{"product_id": product.pk, "quantity": 3}]
    )
    order_services.process_pending_order(order_id=order.pk)
    order.refresh_from_db()
    order_services.ship_order(order=order, user=admin_user)
    relay.run_job()
    statuses = list(
        Event.objects.filter(type__in=[EventType.ORDER_CREATED, EventType.ORDER_STATUS_CHANGED])
        .order_by("sequence")
        .values_list("type", "data", "owner_id")
    )
    base = {"order_id": order.pk, "number": order.number}
    assert statuses == [
        (EventType.ORDER_CREATED, {**base, "from_status": None, "to_status": "pending"}, admin_user.pk),
        (EventType.ORDER_STATUS_CHANGED, {**base, "from_status": "pending", "to_status": "confirmed"}, admin_user.pk),
        (EventType.ORDER_STATUS_CHANGED, {**base, "from_status": "confirmed", "to_status": "shipped"}, admin_user.pk),
    ]
    stock = [e.data for e in changed_events(data__order_id=order.pk)]
    assert [(d["reason"], d["delta_reserved"], d["delta_on_hand"]) for d in stock] == [
        ("reserve", 3, 0),
        ("consume", -3, -3),
    ]
    assert_each_movement_in_exactly_one_event()


def test_a_location_no_longer_sellable_emits_its_rows_and_the_crossing(admin_user):
    other = services.create_location(actor=admin_user, code="WH2", name="Second", kind="warehouse")
    product = stocked_product(0, min_quantity=5)
    receive(product, 8, user=admin_user, location=other)
    receive(product, 2, user=admin_user)  # at MAIN
    before = Event.objects.count()
    services.update_location(actor=admin_user, location=other, is_sellable=False)
    relay.run_job()
    new = list(Event.objects.filter(position__gt=Event.objects.order_by("position")[before - 1].position))
    changed = [e.data for e in new if e.type == CHANGED]
    assert [(d["location_id"], d["reason"], d["delta_on_hand"], d["product_available"]) for d in changed] == [
        (other.pk, "location_changed", 0, 2)
    ]
    assert [e.type for e in new if e.type != CHANGED] == [EventType.STOCK_LOW]
    services.update_location(actor=admin_user, location=other, is_sellable=True)
    relay.run_job()
    assert Event.objects.order_by("-sequence").first().type == EventType.STOCK_BACK_IN_STOCK
