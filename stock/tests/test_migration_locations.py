"""The locations migration (stock 0004) on a populated database: no figure moves, nothing drifts.

The database is migrated back to the schema before locations (stock 0003 and the other apps as they were then:
accounts 0005, audit 0001, no integrations), filled with the bulk data of ``seed_demo --products 1000
--movements 100000`` (the same generator, stock.demo's, whose rows are written here with COPY into the old
columns: today's seed_demo writes today's schema), a few hundred orders in every state with their
reservations, then migrated forward again. PostgreSQL runs the full size (CI); SQLite a smaller one.
"""

import io
import random
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Sum

from catalog.demo import bulk_products, bulk_suppliers
from catalog.models import Product
from orders.models import Order
from stock import selectors
from stock.demo import MOVEMENT_COLUMNS, _bulk_rows
from stock.models import MAIN_LOCATION_ID, TRANSIT_LOCATION_ID, Location, Reservation, StockLevel, StockMovement

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE_LOCATIONS = [
    ("stock", "0003_low_stock_alert"),
    ("accounts", "0005_role_decides_staff_and_superuser"),
    ("audit", "0001_initial"),
    ("integrations", None),
]
POSTGRES_SIZE = {"products": 1000, "movements": 100_000, "orders": 300}
SQLITE_SIZE = {"products": 200, "movements": 10_000, "orders": 60}


def migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection)  # a fresh loader: the applied set changed


def latest() -> list:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.fixture
def old_schema():
    """The historical models before locations; the database migrated forward again afterwards, whatever
    happened (the tests after this one need today's schema)."""
    executor = migrate(BEFORE_LOCATIONS)
    try:
        applied = [key for key in executor.loader.applied_migrations if key in executor.loader.graph.nodes]
        yield executor.loader.project_state(applied).apps
    finally:
        migrate(latest())


def _copy_movements(rows) -> int:
    """COPY (PostgreSQL) or executemany (SQLite) into the ledger's columns before locations."""
    columns = (*MOVEMENT_COLUMNS, "created_at")
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.connection.cursor().copy(f"COPY stock_stockmovement ({', '.join(columns)}) FROM STDIN") as copy:
                for at, row in rows:
                    copy.write_row((*row, at))
                    count += 1
            return count
        batch = [(*row, at) for at, row in rows]
        placeholders = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO stock_stockmovement ({', '.join(columns)}) VALUES ({placeholders})", batch)
        return len(batch)


def populate(old, size: dict) -> None:
    """seed_demo's bulk data on the old schema, plus orders: confirmed (active reservations), pending, shipped
    (consumed), cancelled (released)."""
    rng = random.Random(7)
    User = old.get_model("accounts", "User")
    admin = User.objects.create(email="admin@example.com", email_key="admin@example.com", role="admin", password="!")
    staff = User.objects.create(email="staff@example.com", email_key="staff@example.com", role="staff", password="!")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")
    product_ids = bulk_products(size["products"], rng, None)  # the catalogue's schema is the same then and now
    supplier_ids = bulk_suppliers()
    levels = {product_id: [0, 0, None] for product_id in product_ids}  # total_in, total_out, last IN
    rows = _bulk_rows(product_ids, size["movements"], rng, (admin.pk, staff.pk), supplier_ids, levels)
    assert _copy_movements(rows) == size["movements"]

    Order = old.get_model("orders", "Order")
    OrderItem = old.get_model("orders", "OrderItem")
    OldReservation = old.get_model("stock", "Reservation")
    reserved = defaultdict(int)
    for number in range(size["orders"]):
        status = rng.choice(["confirmed", "confirmed", "confirmed", "pending", "shipped", "cancelled"])
        order = Order.objects.create(
            number=f"ORD-{number:06d}", status=status, customer_name="Before", created_by=rng.choice([admin, staff])
        )
        for product_id in rng.sample(product_ids, rng.randint(1, 3)):
            total_in, total_out, _ = levels[product_id]
            free = total_in - total_out - reserved[product_id]
            if status == "confirmed" and free < 1:
                continue
            quantity = rng.randint(1, max(1, min(free, 9)))
            OrderItem.objects.create(order=order, product_id=product_id, quantity=quantity, unit_price=Decimal(1))
            state = {"confirmed": "active", "shipped": "consumed", "cancelled": "released"}.get(status)
            if state:
                OldReservation.objects.create(
                    product_id=product_id, quantity=quantity, reference=f"order:{order.pk}", state=state
                )
            if state == "active":
                reserved[product_id] += quantity
    OldLevel = old.get_model("stock", "StockLevel")
    OldLevel.objects.bulk_create(
        [
            OldLevel(product_id=pid, total_in=t_in, total_out=t_out, reserved=reserved[pid], last_restocked_at=last)
            for pid, (t_in, t_out, last) in levels.items()
        ],
        batch_size=2000,
    )


def old_drift(old) -> list:
    """reconcile_stock as it was before locations: per product, total_in == SUM(IN), total_out == SUM(OUT),
    reserved == SUM(active reservations)."""
    expected = defaultdict(lambda: {"total_in": 0, "total_out": 0, "reserved": 0})
    movements = old.get_model("stock", "StockMovement").objects.values("product_id", "change_type").order_by()
    for row in movements.annotate(total=Sum("quantity")):
        expected[row["product_id"]]["total_in" if row["change_type"] == "IN" else "total_out"] = row["total"]
    active = old.get_model("stock", "Reservation").objects.filter(state="active").values("product_id").order_by()
    for row in active.annotate(total=Sum("quantity")):
        expected[row["product_id"]]["reserved"] = row["total"]
    levels = {
        row.pop("product_id"): row
        for row in old.get_model("stock", "StockLevel").objects.values(
            "product_id", "total_in", "total_out", "reserved"
        )
    }
    return [pid for pid in set(expected) | set(levels) if levels.get(pid) != expected[pid]]


def test_the_locations_migration_moves_no_figure(old_schema):
    old = old_schema
    size = POSTGRES_SIZE if connection.vendor == "postgresql" else SQLITE_SIZE
    populate(old, size)
    assert old_drift(old) == []
    before = {
        level.product_id: (
            level.total_in - level.total_out,
            level.reserved,
            level.total_in - level.total_out - level.reserved,
        )
        for level in old.get_model("stock", "StockLevel").objects.all()
    }
    assert len(before) == size["products"] and any(reserved for _, reserved, _ in before.values())
    counts = {
        "movements": old.get_model("stock", "StockMovement").objects.count(),
        "reservations": old.get_model("stock", "Reservation").objects.count(),
    }

    migrate(latest())

    after = {
        product.pk: (product.on_hand, product.reserved, product.available)
        for product in selectors.with_stock_figures(Product.objects.all())
    }
    assert after == before  # every product's on_hand, reserved and available, unchanged
    assert StockLevel.objects.count() == size["products"]
    assert StockMovement.objects.count() == counts["movements"] == size["movements"]
    assert Reservation.objects.count() == counts["reservations"]
    for model in (StockLevel, StockMovement, Reservation):
        assert not model.objects.exclude(location_id=MAIN_LOCATION_ID).exists(), model
    main, transit = Location.objects.get(pk=MAIN_LOCATION_ID), Location.objects.get(pk=TRANSIT_LOCATION_ID)
    assert (main.code, main.kind, main.is_sellable, main.priority, main.is_default) == (
        "MAIN",
        "warehouse",
        True,
        0,
        True,
    )
    assert (transit.code, transit.kind, transit.is_sellable) == ("TRANSIT", "transit", False)
    assert Location.objects.count() == 2
    confirmed = Order.objects.filter(status="confirmed").prefetch_related("items")
    assert confirmed.exists()
    for order in confirmed:
        allocations = list(selectors.reservations_of(order.reservation_reference).filter(state="active"))
        assert sorted((r.product_id, r.location_id, r.quantity) for r in allocations) == sorted(
            (item.product_id, MAIN_LOCATION_ID, item.quantity) for item in order.items.all()
        )
    out = io.StringIO()
    call_command("reconcile_stock", stdout=out)  # raises CommandError on any drift
    assert "No drift" in out.getvalue()
