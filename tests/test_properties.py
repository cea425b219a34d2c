"""Property tests: random sequences of movements, counts, orders, shipments and cancels keep the ledger,
the levels and an in-memory model in agreement, with 0 <= reserved <= on_hand throughout.

The second test does the same per (product, location): MAIN and B sellable, a bin under MAIN that is not,
TRANSIT; movements, counts, reservations (allocate's choice of location predicted), releases, consumptions,
receipts, issues, transfers direct and via transit (received or cancelled), reversals of documents and of
movements, B deactivated and activated again. The model predicts every level, each product's totals
(``available`` only over sellable, active locations) and which operations are refused."""

import io
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


# --- with locations: movements, counts, reservations, documents, transfers, reversals per (product, location) ---

MAIN, B, BIN, TRANSIT = range(4)  # MAIN (default, sellable), B (sellable), BIN (a bin under MAIN, not sellable)
LOCATIONS = 4
SELLABLE = {MAIN, B}
UNDER = {MAIN: {MAIN, BIN}, B: {B}}  # a location and its descendants
CHOICE_ORDER = [MAIN, B]  # (priority, id): MAIN 0, B 1

location_index = st.integers(0, LOCATIONS - 1)
lines_ = st.lists(st.tuples(product_index, quantity), min_size=1, max_size=PRODUCTS, unique_by=lambda line: line[0])
pick = st.integers(0, 15)
endpoint = st.sampled_from([MAIN, MAIN, B, B, BIN, TRANSIT])  # mostly usable ends, sometimes the refused ones
located_operation = st.one_of(
    st.tuples(st.just("move"), st.sampled_from(["IN", "OUT"]), product_index, location_index, quantity),
    st.tuples(st.just("count"), product_index, location_index, st.integers(0, 30)),
    st.tuples(st.just("reserve"), lines_, st.sampled_from([None, MAIN, B])),
    st.tuples(st.just("release"), pick),
    st.tuples(st.just("consume"), pick),
    st.tuples(st.just("document"), st.sampled_from(["receipt", "issue"]), location_index, lines_),
    st.tuples(st.just("transfer"), endpoint, endpoint, st.booleans(), lines_),
    st.tuples(st.just("transfer"), endpoint, endpoint, st.booleans(), lines_),
    st.tuples(st.just("receive"), pick),
    st.tuples(st.just("cancel"), pick),
    st.tuples(st.just("reverse_document"), pick),
    st.tuples(st.just("reverse_movement"), st.integers(0, 40)),
    st.tuples(
        st.just("toggle_b"),
    ),
)


class LocatedModel:
    """Every level per (product, location), the reservations, documents and movements, without the database."""

    def __init__(self):
        self.on_hand: dict[tuple[int, int], int] = {}
        self.reserved: dict[tuple[int, int], int] = {}
        self.active = {MAIN: True, B: True, BIN: True, TRANSIT: True}
        self.reservations: list[dict] = []  # {"reference", "plan": [(product, location, quantity)], "state"}
        self.documents: list[dict] = []  # {"obj", "kind", "status", "src", "dst", "lines", "reversed", ...}
        self.movements: list[dict] = []  # {"pk", "product", "location", "type", "quantity", "document", ...}

    def available(self, product: int, location: int) -> int:
        return self.on_hand.get((product, location), 0) - self.reserved.get((product, location), 0)

    def usable(self, location: int) -> bool:
        """Takes movements, counts and documents other than transfers through TRANSIT."""
        return location != TRANSIT and self.active[location]

    def fits(self, net: dict) -> bool:
        return all(self.available(*pair) + delta >= 0 for pair, delta in net.items())

    def apply(self, net: dict) -> None:
        for pair, delta in net.items():
            self.on_hand[pair] = self.on_hand.get(pair, 0) + delta

    def plan(self, lines, where) -> list | None:
        """Where ``allocate`` reserves: one location that fills every line, else line by line, else nothing."""
        candidates = [loc for loc in CHOICE_ORDER if self.active[loc] and (where is None or loc in UNDER[where])]
        for loc in candidates:
            if all(self.available(product, loc) >= amount for product, amount in lines):
                return [(product, loc, amount) for product, amount in lines]
        plan = []
        for product, amount in lines:
            for loc in candidates:
                take = min(amount, self.available(product, loc))
                if take > 0:
                    plan.append((product, loc, take))
                    amount -= take
            if amount:
                return None
        return plan

    def totals(self, product: int) -> tuple[int, int, int, int]:
        pairs = [(product, loc) for loc in range(LOCATIONS)]
        on_hand = sum(self.on_hand.get(pair, 0) for pair in pairs)
        reserved = sum(self.reserved.get(pair, 0) for pair in pairs)
        available = sum(self.available(product, loc) for loc in SELLABLE if self.active[loc])
        return on_hand, reserved, available, self.on_hand.get((product, TRANSIT), 0)


class World:
    """The database side of one example: products, locations, the admin, and the objects written."""

    def __init__(self, products, locations, user):
        self.products, self.locations, self.user = products, locations, user
        self.index = {location.pk: position for position, location in enumerate(locations)}


def _net(changes) -> dict:
    net: dict = {}
    for product, location, delta in changes:
        net[(product, location)] = net.get((product, location), 0) + delta
    return net


def _record_movements(model, world, movements, *, document=None, reversal=False) -> None:
    product_index_of = {product.pk: position for position, product in enumerate(world.products)}
    for movement in sorted(movements, key=lambda m: m.pk):
        model.movements.append(
            {
                "pk": movement.pk,
                "product": product_index_of[movement.product_id],
                "location": world.index[movement.location_id],
                "type": movement.change_type,
                "quantity": movement.quantity,
                "document": document,
                "reversal": reversal,
                "reversed": False,
            }
        )


def _add_document(model, world, obj, **fields) -> int:
    model.documents.append({"obj": obj, "reversed": False, "partly_reversed": False, "reversal": False, **fields})
    position = len(model.documents) - 1
    _record_movements(model, world, obj.movements.all(), document=position, reversal=fields.get("reversal", False))
    return position


def _run_located(op, model: LocatedModel, world: World) -> None:
    from stock import services
    from stock.models import StockMovement

    kind, user = op[0], world.user
    loc = world.locations
    if kind == "move":
        _, change_type, product, location, amount = op
        sign = 1 if change_type == "IN" else -1
        net = {(product, location): sign * amount}
        allowed = model.usable(location) and model.fits(net)
        result = _attempt(
            allowed,
            lambda: services.record_movement(
                product=world.products[product],
                change_type=change_type,
                quantity=amount,
                user=user,
                location=loc[location],
            ),
        )
        if allowed:
            model.apply(net)
            _record_movements(model, world, [result.movement])
    elif kind == "count":
        _, product, location, counted = op
        allowed = model.usable(location) and counted >= model.reserved.get((product, location), 0)
        result = _attempt(
            allowed,
            lambda: services.count_stock(
                product=world.products[product], counted_quantity=counted, user=user, location=loc[location]
            ),
        )
        if allowed:
            model.on_hand[(product, location)] = counted
            if result.movement is not None:
                _record_movements(model, world, [result.movement])
    elif kind == "reserve":
        _, lines, where = op
        reference = f"prop:{len(model.reservations)}"
        plan = model.plan(lines, where)
        _attempt(
            plan is not None,
            lambda: services.allocate(
                lines=[(world.products[product].pk, amount) for product, amount in lines],
                reference=reference,
                location_id=None if where is None else loc[where].pk,
            ),
        )
        if plan is not None:
            for product, location, amount in plan:
                model.reserved[(product, location)] = model.reserved.get((product, location), 0) + amount
            model.reservations.append({"reference": reference, "plan": plan, "state": "active"})
    elif kind in ("release", "consume"):
        if not model.reservations:
            return
        reservation = model.reservations[op[1] % len(model.reservations)]
        if kind == "release":
            services.release(reference=reservation["reference"], user=user)
        else:
            movements = services.consume(reference=reservation["reference"], user=user, movement_reference="")
            _record_movements(model, world, movements)
        if reservation["state"] == "active":
            for product, location, amount in reservation["plan"]:
                model.reserved[(product, location)] -= amount
                if kind == "consume":
                    model.on_hand[(product, location)] -= amount
        reservation["state"] = "released" if kind == "release" else "consumed"
    elif kind == "document":
        _, document_kind, location, lines = op
        sign = 1 if document_kind == "receipt" else -1
        net = _net((product, location, sign * amount) for product, amount in lines)
        allowed = model.usable(location) and model.fits(net)
        document = _attempt(
            allowed,
            lambda: services.create_document(
                kind=document_kind,
                user=user,
                location_id=loc[location].pk,
                lines=[{"product_id": world.products[p].pk, "quantity": amount} for p, amount in lines],
            ),
        )
        if allowed:
            model.apply(net)
            _add_document(model, world, document, kind=document_kind, status="completed", src=location, dst=None)
    elif kind == "transfer":
        _run_transfer(op, model, world, services)
    elif kind in ("receive", "cancel"):
        open_ = [entry for entry in model.documents if entry["status"] == "in_transit"]
        candidates = open_ if open_ and op[1] % 4 else model.documents  # mostly open transfers, sometimes any
        entry = candidates[op[1] % len(candidates)]
        to = entry["src"] if kind == "cancel" else entry["dst"]
        allowed = entry["kind"] == "transfer" and entry["status"] == "in_transit" and model.active[to]
        action = services.cancel_transfer if kind == "cancel" else services.receive_transfer
        _attempt(allowed, lambda: action(document=entry["obj"], user=user))
        if allowed:
            model.apply(_net((p, TRANSIT, -amount) for p, amount in entry["lines"]))
            model.apply(_net((p, to, amount) for p, amount in entry["lines"]))
            entry["status"] = "cancelled" if kind == "cancel" else "completed"
            known = {m["pk"] for m in model.movements}
            fresh = StockMovement.objects.filter(document=entry["obj"]).exclude(pk__in=known)
            _record_movements(model, world, fresh, document=model.documents.index(entry))
    elif kind == "reverse_document":
        _run_reverse_document(op, model, world, services)
    elif kind == "reverse_movement":
        _run_reverse_movement(op, model, world, services)
    else:  # toggle_b
        in_use = any(model.reserved.get((p, B), 0) for p in range(PRODUCTS)) or any(
            entry["status"] == "in_transit" and B in (entry["src"], entry["dst"]) for entry in model.documents
        )
        allowed = not (model.active[B] and in_use)
        _attempt(
            allowed,
            lambda: services.update_location(actor=user, location=loc[B], is_active=not model.active[B]),
        )
        if allowed:
            model.active[B] = not model.active[B]


def _run_transfer(op, model, world, services) -> None:
    _, source, destination, via_transit, lines = op
    landing = TRANSIT if via_transit else destination
    net = _net(
        change for product, amount in lines for change in ((product, source, -amount), (product, landing, amount))
    )
    allowed = source != destination and model.usable(source) and model.usable(destination) and model.fits(net)
    document = _attempt(
        allowed,
        lambda: services.create_document(
            kind="transfer",
            user=world.user,
            source_location_id=world.locations[source].pk,
            destination_location_id=world.locations[destination].pk,
            via_transit=via_transit,
            lines=[{"product_id": world.products[p].pk, "quantity": amount} for p, amount in lines],
        ),
    )
    if allowed:
        model.apply(net)
        status = "in_transit" if via_transit else "completed"
        _add_document(model, world, document, kind="transfer", status=status, src=source, dst=destination, lines=lines)


def _opposite(movements) -> dict:
    return _net(
        (m["product"], m["location"], -m["quantity"] if m["type"] == "IN" else m["quantity"]) for m in movements
    )


def _run_reverse_document(op, model, world, services) -> None:
    if not model.documents:
        return
    position = op[1] % len(model.documents)
    entry = model.documents[position]
    movements = [m for m in model.movements if m["document"] == position]
    net = _opposite(movements)
    allowed = (
        not entry["reversal"]
        and entry["status"] == "completed"
        and not entry["reversed"]
        and not entry["partly_reversed"]
        and all(model.active[location] for _, location in net)
        and model.fits(net)
    )
    reversal = _attempt(allowed, lambda: services.reverse_document(document=entry["obj"], user=world.user))
    if allowed:
        model.apply(net)
        entry["reversed"] = True
        _add_document(model, world, reversal, kind=entry["kind"], status="completed", src=None, dst=None, reversal=True)


def _run_reverse_movement(op, model, world, services) -> None:
    from stock.models import StockMovement

    if not model.movements:
        return
    movement = model.movements[op[1] % len(model.movements)]
    document = model.documents[movement["document"]] if movement["document"] is not None else None
    net = _opposite([movement])
    allowed = (
        not movement["reversal"]
        and not movement["reversed"]
        and not (document and (document["kind"] == "transfer" or document["reversed"]))
        and model.usable(movement["location"])
        and model.fits(net)
    )
    target = StockMovement.objects.get(pk=movement["pk"])
    reversal = _attempt(allowed, lambda: services.reverse_movement(movement=target, user=world.user))
    if allowed:
        model.apply(net)
        movement["reversed"] = True
        if document:
            document["partly_reversed"] = True
        _add_document(model, world, reversal, kind="reversal", status="completed", src=None, dst=None, reversal=True)


def _attempt(allowed: bool, call):
    if allowed:
        return call()
    with pytest.raises(DomainError):
        call()
    return None


def _check_located(model: LocatedModel, world: World) -> None:
    from catalog.models import Product
    from stock import selectors
    from stock.models import StockLevel

    levels = {
        (level.product_id, level.location_id): level for level in StockLevel.objects.filter(product__in=world.products)
    }
    for p, product in enumerate(world.products):
        for location in range(LOCATIONS):
            level = levels.get((product.pk, world.locations[location].pk))
            actual = (level.on_hand, level.reserved) if level else (0, 0)
            pair = (p, location)
            assert actual == (model.on_hand.get(pair, 0), model.reserved.get(pair, 0)), (p, location)
            assert 0 <= actual[1] <= actual[0]
    figures = selectors.with_stock_figures(Product.objects.filter(pk__in=[p.pk for p in world.products]))
    by_id = {row.pk: (row.on_hand, row.reserved, row.available, row.in_transit) for row in figures}
    for p, product in enumerate(world.products):
        assert by_id[product.pk] == model.totals(p), p


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(located_operation, min_size=10, max_size=40))
def test_random_operations_at_locations_keep_every_level_and_total(admin_user, operations):
    from django.core.management import call_command

    from catalog.models import Category, Product
    from stock.models import Document
    from stock.services import create_location, default_location, transit_location

    try:
        with transaction.atomic():  # one savepoint per example, as above
            category = Category.objects.create(name="Property")
            products = [
                Product.objects.create(sku=f"L-{i}", name=f"Located {i}", category=category, unit_price=Decimal("1"))
                for i in range(PRODUCTS)
            ]
            main = default_location()
            second = create_location(actor=admin_user, code="PROP-B", name="B", priority=1)
            bin_ = create_location(
                actor=admin_user, code="PROP-BIN", name="Bin", kind="bin", parent_id=main.pk, is_sellable=False
            )
            world = World(products, [main, second, bin_, transit_location()], admin_user)
            model = LocatedModel()
            stock = [(index, 20) for index in range(PRODUCTS)]
            opening = [("document", "receipt", MAIN, stock), ("document", "receipt", B, stock)]
            for operation_ in [*opening, ("document", "receipt", BIN, [(0, 5)]), *operations]:
                _run_located(operation_, model, world)
                _check_located(model, world)
            statuses = {entry["obj"].pk: entry["status"] for entry in model.documents}
            assert dict(Document.objects.filter(pk__in=statuses).values_list("pk", "status")) == statuses
            call_command("reconcile_stock", stdout=io.StringIO())  # ledger == levels, transfers net, transit == open
            raise _Rollback
    except _Rollback:
        pass
