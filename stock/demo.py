"""Demo stock for `make run`: four weeks of history recorded through the stock services, and the bulk movements
of `seed_demo --products N --movements M` for benchmarks (COPY on PostgreSQL, batched inserts on SQLite)."""

import random
import time
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from catalog.demo import bulk_products, bulk_suppliers
from catalog.models import Product
from inventory_site.cache import bump_stock_version
from inventory_site.progress import Progress
from stock import services
from stock.models import MAIN_CODE, MAIN_LOCATION_ID, Location, LocationKind, StockLevel, StockMovement

HISTORY_DAYS = 28


def load_demo_stock(*, products, suppliers, admin: User, staff: User, rng: random.Random) -> None:
    """Four weeks of opening stock, daily sales and restocks, then one product counted down to its reorder point
    (so the low-stock views have something to show); then a second warehouse with bins, and the documents that
    show locations at work (receipts, a count, transfers direct and in transit, a reversed receipt)."""
    _replay_history(products, suppliers, admin, staff, rng)
    services.count_stock(product=Product.objects.get(sku="TL-TAPE-5"), counted_quantity=3, user=staff, note="Count")
    _demo_documents(_demo_locations(admin), products, suppliers, admin, staff)


# Code, name, kind, parent code, priority (lower first when orders choose a location).
DEMO_LOCATIONS = [
    ("MAIN-A1", "Main warehouse, aisle A, bin 1", LocationKind.BIN, MAIN_CODE, 1),
    ("MAIN-A2", "Main warehouse, aisle A, bin 2", LocationKind.BIN, MAIN_CODE, 2),
    ("WH2", "North warehouse", LocationKind.WAREHOUSE, None, 10),
    ("WH2-B1", "North warehouse, bay 1", LocationKind.BIN, "WH2", 11),
    ("WH2-B2", "North warehouse, bay 2", LocationKind.BIN, "WH2", 12),
]


def _demo_locations(admin: User) -> dict[str, Location]:
    locations = {MAIN_CODE: Location.objects.get(code=MAIN_CODE)}
    for code, name, kind, parent, priority in DEMO_LOCATIONS:
        parent_id = locations[parent].pk if parent else None
        locations[code] = services.create_location(
            actor=admin, code=code, name=name, kind=kind, parent_id=parent_id, priority=priority
        )
    return locations


def _demo_documents(locations, products, suppliers, admin: User, staff: User) -> None:
    """Backdated documents, each through the document services: stock at several locations, a count, a completed
    transfer, a transfer still in transit and a receipt reversed (entered twice by mistake)."""
    now = timezone.now()
    by_sku = {product.sku: product for product in products}

    def lines(*pairs):
        return [{"product_id": by_sku[sku].pk, "quantity": quantity} for sku, quantity in pairs]

    def document(days_ago: float, **fields):
        return services.create_document(at=now - timedelta(days=days_ago), **fields)

    document(
        12,
        kind="receipt",
        user=admin,
        location_id=locations["WH2"].pk,
        supplier_id=suppliers[0].pk,
        reference="DN-2041",
        note="First delivery to the north warehouse",
        lines=lines(("FST-M6-20", 200), ("FST-M8-30", 120), ("FST-NUT-M6", 400), ("FST-WSH-M8", 300)),
    )
    document(
        11,
        kind="receipt",
        user=staff,
        location_id=locations["MAIN-A1"].pk,
        supplier_id=suppliers[2].pk,
        reference="DN-2042",
        lines=lines(("EL-LED-9W", 60), ("EL-SW-1G", 40)),
    )
    document(10, kind="receipt", user=staff, location_id=locations["WH2-B1"].pk, lines=lines(("PK-BOX-S", 150)))
    doubled = document(
        9,
        kind="receipt",
        user=staff,
        location_id=locations["MAIN-A2"].pk,
        supplier_id=suppliers[1].pk,
        reference="DN-2042",
        note="Entered twice by mistake",
        lines=lines(("TL-HAM-500", 10), ("TL-SCR-SET", 6)),
    )
    services.reverse_document(document=doubled, user=admin, at=now - timedelta(days=9, hours=-2))
    document(
        6,
        kind="count",
        user=staff,
        location_id=locations["WH2"].pk,
        reference="Stocktake north",
        lines=[
            {"product_id": by_sku["FST-NUT-M6"].pk, "counted_quantity": 396},
            {"product_id": by_sku["FST-WSH-M8"].pk, "counted_quantity": 300},
        ],
    )
    document(
        4,
        kind="transfer",
        user=staff,
        source_location_id=locations["WH2"].pk,
        destination_location_id=locations["MAIN"].pk,
        reference="TR-100",
        lines=lines(("FST-M6-20", 50), ("FST-NUT-M6", 100)),
    )
    document(
        1,
        kind="transfer",
        user=staff,
        source_location_id=locations["MAIN-A1"].pk,
        destination_location_id=locations["WH2-B2"].pk,
        via_transit=True,
        reference="TR-101",
        note="On the afternoon truck",
        lines=lines(("EL-LED-9W", 20), ("EL-SW-1G", 10)),
    )


def _replay_history(products, suppliers, admin: User, staff: User, rng: random.Random) -> None:
    """Each day's movements are recorded at that day's time (``at``), so reports and charts open on a realistic
    month rather than one spike today."""
    start = timezone.now() - timedelta(days=HISTORY_DAYS)
    available = {product.pk: 0 for product in products}
    for day in range(HISTORY_DAYS):
        moment = start + timedelta(days=day, hours=rng.randint(8, 17), minutes=rng.randint(0, 59))
        for product in products:
            if day == 0:
                quantity, change_type, supplier = rng.randint(40, 120), "IN", rng.choice(suppliers)
            elif rng.random() < 0.08:
                quantity, change_type, supplier = rng.randint(20, 60), "IN", rng.choice(suppliers)
            elif rng.random() < 0.5:
                quantity, change_type, supplier = rng.randint(1, 6), "OUT", None
            else:
                continue
            if change_type == "OUT" and quantity > available[product.pk]:
                continue
            _, level = services.record_movement(
                product=product,
                change_type=change_type,
                quantity=quantity,
                user=admin if change_type == "IN" else staff,
                supplier=supplier,
                note="Opening stock" if day == 0 else "",
                at=moment,
            )
            available[product.pk] = level.available


# --- bulk generator for benchmarks ----------------------------------------------------------------

MOVEMENT_COLUMNS = ("product_id", "change_type", "quantity", "supplier_id", "reason", "note", "reference", "user_id")
BULK_LOCATION = MAIN_LOCATION_ID  # benchmark stock is held at the main warehouse
BULK_DAYS = 90


def load_bulk(*, products: int, movements: int, admin: User, staff: User, stdout=None, seed: int = 1) -> dict:
    """Add ``products`` products and ``movements`` movements spread over the last 90 days, with levels
    consistent with them. No audit events: this is benchmark data, not business history."""
    if movements and not products:
        raise ValueError("--movements needs --products: movements go to the products created here.")
    started = time.monotonic()
    rng = random.Random(seed)
    with transaction.atomic():
        if connection.vendor == "postgresql":  # a bulk load is no web request: no statement_timeout for it
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL statement_timeout = 0")
        product_ids = bulk_products(products, rng, stdout)
        supplier_ids = bulk_suppliers()
        levels = _bulk_movements(product_ids, movements, rng, (admin.pk, staff.pk), supplier_ids, stdout)
        _bulk_levels(levels)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE stock_stockmovement; ANALYZE stock_stocklevel; ANALYZE catalog_product")
    bump_stock_version()
    return {"products": len(product_ids), "movements": movements, "seconds": time.monotonic() - started}


def _bulk_rows(product_ids, count, rng, user_ids, supplier_ids, levels):
    """Yield ``(created_at, row)`` in time order; an OUT never exceeds the product's stock at that moment."""
    now = timezone.now()
    start = now - timedelta(days=BULK_DAYS)
    step = timedelta(days=BULK_DAYS) / max(count, 1)
    randrange, random_ = rng.randrange, rng.random
    for index in range(count):
        product_id = product_ids[randrange(len(product_ids))]
        level = levels[product_id]
        at = start + step * index
        quantity = randrange(1, 20)
        if level[0] - level[1] >= quantity and random_() < 0.6:
            level[1] += quantity
            yield at, (product_id, "OUT", quantity, None, "sale", "", "", user_ids[index % 2])
        else:
            quantity *= 5
            level[0] += quantity
            level[2] = at
            supplier = supplier_ids[index % len(supplier_ids)]
            yield at, (product_id, "IN", quantity, supplier, "purchase", "", "", user_ids[0])


def _bulk_movements(product_ids, count, rng, user_ids, supplier_ids, stdout) -> dict:
    levels = {product_id: [0, 0, None] for product_id in product_ids}  # total_in, total_out, last IN
    rows = _bulk_rows(product_ids, count, rng, user_ids, supplier_ids, levels)
    progress = Progress(stdout, "movements", count)
    if connection.vendor == "postgresql":
        _copy_movements(rows, count, progress)
    else:
        _insert_movements(rows, count, progress)
    return levels


def _copy_movements(rows, count: int, progress: Progress) -> None:
    """COPY in text format: about ten times faster than INSERTs, and the ids still come from the sequence."""
    columns = ", ".join((*MOVEMENT_COLUMNS, "created_at", "location_id"))
    batch = 50_000
    connection.ensure_connection()
    with connection.connection.cursor() as raw:
        with raw.copy(f"COPY stock_stockmovement ({columns}) FROM STDIN") as copy:
            lines, done = [], 0
            for at, row in rows:
                product_id, change_type, quantity, supplier_id, reason, note, reference, user_id = row
                supplier = r"\N" if supplier_id is None else supplier_id
                lines.append(
                    f"{product_id}\t{change_type}\t{quantity}\t{supplier}\t{reason}\t\t\t{user_id}\t{at.isoformat()}"
                    f"\t{BULK_LOCATION}\n"
                )
                if len(lines) == batch:
                    copy.write("".join(lines))
                    done += len(lines)
                    lines = []
                    progress.update(done)
            copy.write("".join(lines))
            progress.update(done + len(lines))


def _insert_movements(rows, count: int, progress: Progress) -> None:
    batch, done = [], 0
    for at, row in rows:
        fields = dict(zip(MOVEMENT_COLUMNS, row, strict=True))
        batch.append(StockMovement(**fields, created_at=at, location_id=BULK_LOCATION))
        if len(batch) == 5000:
            StockMovement.objects.bulk_create(batch)
            done += len(batch)
            batch = []
            progress.update(done)
    StockMovement.objects.bulk_create(batch)
    progress.update(done + len(batch))


def _bulk_levels(levels: dict) -> None:
    StockLevel.objects.bulk_create(
        [
            StockLevel(
                product_id=product_id,
                location_id=BULK_LOCATION,
                total_in=total_in,
                total_out=total_out,
                last_restocked_at=last_in,
            )
            for product_id, (total_in, total_out, last_in) in levels.items()
        ],
        batch_size=2000,
    )
