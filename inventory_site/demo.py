"""Demo data for `make run` (loaded once, through the same services as everything else), and a bulk
generator for benchmarks (`seed_demo --products N --movements M`), which writes straight to the tables."""

import os
import random
import time
from datetime import timedelta
from decimal import Decimal
from unittest import mock

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Role, User

DEMO_ADMIN_EMAIL = "admin@example.com"
DEMO_STAFF_EMAIL = "staff@example.com"


# Only with DJANGO_DEBUG on may a demo user get one of these well-known passwords.
DEBUG_DEMO_PASSWORDS = {"DEMO_ADMIN_PASSWORD": "admin-demo-2026", "DEMO_STAFF_PASSWORD": "staff-demo-2026"}
MIN_DEMO_PASSWORD_LENGTH = 12


class DemoPasswordRefused(Exception):
    """The demo user's password is unset, empty, too short or a published one, and DJANGO_DEBUG is off."""


def demo_password(variable: str) -> str:
    """The password for a new demo user, from ``variable`` (``make run`` generates it into ``.env``).

    Outside DJANGO_DEBUG an unset, empty, short or published password is refused: demo logins that
    anybody can guess must never reach a server that is reachable from elsewhere.
    """
    value = os.environ.get(variable, "")
    fixed = DEBUG_DEMO_PASSWORDS[variable]
    if settings.DEBUG:
        return value or fixed
    if not value:
        raise DemoPasswordRefused(
            f"{variable} is unset or empty: set a random password (make run generates one), "
            "or turn DJANGO_DEBUG on for a local throwaway database."
        )
    if value in DEBUG_DEMO_PASSWORDS.values() or len(value) < MIN_DEMO_PASSWORD_LENGTH:
        raise DemoPasswordRefused(
            f"{variable} is a published or short password: use a random one of at least "
            f"{MIN_DEMO_PASSWORD_LENGTH} characters."
        )
    return value


def _demo_user(email: str, role: str, variable: str, first: str, last: str) -> User:
    user = User.objects.with_email(email).first()
    if user is None:
        password = demo_password(variable)
        user = User.objects.create_user(email=email, password=password, role=role, first_name=first, last_name=last)
    return user


def demo_users() -> tuple[User, User]:
    admin = _demo_user(DEMO_ADMIN_EMAIL, Role.ADMIN, "DEMO_ADMIN_PASSWORD", "Ada", "Admin")
    staff = _demo_user(DEMO_STAFF_EMAIL, Role.STAFF, "DEMO_STAFF_PASSWORD", "Sam", "Staff")
    return admin, staff


def load_demo(*, stdout=None) -> bool:
    """Load the demo once; returns False when the catalogue was already there. Orders are topped up if missing."""
    from catalog.models import Product

    with transaction.atomic():
        admin, staff = demo_users()
        loaded = not Product.objects.exists()
        if loaded:
            _load_catalog_and_stock(admin, staff)
    _load_demo_orders(admin, staff, stdout)
    return loaded


def _load_demo_orders(admin: User, staff: User, stdout) -> None:
    """Orders are another app's: load them only when that app provides its demo (it is idempotent itself)."""
    try:
        from orders.demo import load_demo_orders
    except ImportError:
        return
    orders = load_demo_orders(admin=admin, staff=staff)
    if orders and stdout is not None:
        stdout.write(f"Loaded {len(orders)} demo orders.")


CATALOG = {
    "Fasteners": [
        ("FST-M6-20", "Hex bolt M6x20", "0.12"),
        ("FST-M8-30", "Hex bolt M8x30", "0.21"),
        ("FST-NUT-M6", "Hex nut M6", "0.04"),
        ("FST-WSH-M8", "Washer M8", "0.03"),
    ],
    "Tools": [
        ("TL-HAM-500", "Claw hammer 500 g", "14.90"),
        ("TL-SCR-SET", "Screwdriver set, 6 pcs", "19.50"),
        ("TL-TAPE-5", "Tape measure 5 m", "7.80"),
    ],
    "Electrical": [
        ("EL-CBL-25", "Cable 2.5 mm², 50 m", "42.00"),
        ("EL-SW-1G", "Wall switch, 1 gang", "3.60"),
        ("EL-LED-9W", "LED bulb 9 W E27", "2.95"),
    ],
    "Packaging": [
        ("PK-BOX-S", "Shipping box S", "0.55"),
        ("PK-BOX-M", "Shipping box M", "0.80"),
        ("PK-TAPE-66", "Packing tape 66 m", "1.90"),
    ],
}
SUPPLIERS = [
    ("Nordic Fasteners AB", "sales@nordicfasteners.example", "+46 8 555 0101"),
    ("ToolWorks Ltd", "orders@toolworks.example", "+44 20 5550 0199"),
    ("Bright Electric GmbH", "info@bright-electric.example", "+49 30 5550 0142"),
]


def _load_catalog_and_stock(admin: User, staff: User) -> None:
    from catalog import services as catalog_services
    from stock import services as stock_services

    rng = random.Random(42)
    suppliers = [
        catalog_services.create_supplier(actor=admin, name=name, email=email, phone=phone)
        for name, email, phone in SUPPLIERS
    ]
    products = []
    for category_name, items in CATALOG.items():
        category = catalog_services.create_category(
            actor=admin, name=category_name, description=f"{category_name} for the workshop"
        )
        for sku, name, price in items:
            product = catalog_services.create_product(
                actor=admin,
                sku=sku,
                name=name,
                category_id=category.pk,
                unit_price=Decimal(price),
                min_quantity=rng.choice([5, 10, 20]),
                reorder_quantity=rng.choice([0, 25, 50]),
            )
            products.append(product)
    _replay_history(products, suppliers, admin, staff, rng)
    # One product at its reorder point, so the low-stock views have something to show.
    from catalog.models import Product

    stock_services.count_stock(
        product=Product.objects.get(sku="TL-TAPE-5"), counted_quantity=3, user=staff, note="Count"
    )


HISTORY_DAYS = 28


def _replay_history(products, suppliers, admin: User, staff: User, rng: random.Random) -> None:
    """Four weeks of opening stock, daily sales and restocks, recorded through the stock services.

    The services stamp a movement with the current time; the demo replays each day on a clock set to that
    day, so reports and charts open on a realistic month rather than one spike today.
    """
    from stock import services as stock_services

    start = timezone.now() - timedelta(days=HISTORY_DAYS)
    for day in range(HISTORY_DAYS):
        moment = start + timedelta(days=day, hours=rng.randint(8, 17), minutes=rng.randint(0, 59))
        with mock.patch("django.utils.timezone.now", return_value=moment):
            for product in products:
                if day == 0:
                    quantity, change_type, supplier = rng.randint(40, 120), "IN", rng.choice(suppliers)
                elif rng.random() < 0.08:
                    quantity, change_type, supplier = rng.randint(20, 60), "IN", rng.choice(suppliers)
                elif rng.random() < 0.5:
                    quantity, change_type, supplier = rng.randint(1, 6), "OUT", None
                else:
                    continue
                level = getattr(product, "stock_level", None)
                if change_type == "OUT" and (level is None or quantity > level.available):
                    continue
                _, product.stock_level = stock_services.record_movement(
                    product=product,
                    change_type=change_type,
                    quantity=quantity,
                    user=admin if change_type == "IN" else staff,
                    supplier=supplier,
                    note="Opening stock" if day == 0 else "",
                )


# --- bulk generator for benchmarks ----------------------------------------------------------------

MOVEMENT_COLUMNS = ("product_id", "change_type", "quantity", "supplier_id", "reason", "note", "reference", "user_id")
BULK_DAYS = 90


class Progress:
    def __init__(self, stdout, label: str, total: int):
        self.stdout, self.label, self.total, self.started = stdout, label, total, time.monotonic()
        self.done = -1

    def update(self, done: int) -> None:
        if self.stdout is None or done == self.done:
            return
        self.done = done
        elapsed = time.monotonic() - self.started
        percent = 100 * done // max(self.total, 1)
        self.stdout.write(f"\r{self.label}: {done:,}/{self.total:,} ({percent}%) {elapsed:.1f} s", ending="")
        if done >= self.total:
            self.stdout.write("")
        self.stdout.flush()


def load_bulk(*, products: int, movements: int, stdout=None, seed: int = 1) -> dict:
    """Add ``products`` products and ``movements`` movements spread over the last 90 days, with levels
    consistent with them. No audit events: this is benchmark data, not business history."""
    from inventory_site.cache import bump_stock_version

    if movements and not products:
        raise ValueError("--movements needs --products: movements go to the products created here.")
    started = time.monotonic()
    rng = random.Random(seed)
    admin, staff = demo_users()
    with transaction.atomic():
        if connection.vendor == "postgresql":  # a bulk load is no web request: no statement_timeout for it
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL statement_timeout = 0")
        product_ids = _bulk_products(products, rng, stdout)
        supplier_ids = _bulk_suppliers()
        levels = _bulk_movements(product_ids, movements, rng, (admin.pk, staff.pk), supplier_ids, stdout)
        _bulk_levels(levels)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE stock_stockmovement; ANALYZE stock_stocklevel; ANALYZE catalog_product")
    bump_stock_version()
    return {"products": len(product_ids), "movements": movements, "seconds": time.monotonic() - started}


def _bulk_products(count: int, rng: random.Random, stdout) -> list[int]:
    from catalog.models import Category, Product

    categories = [
        Category.objects.filter(name__iexact=name).first() or Category.objects.create(name=name)
        for name in (f"Bulk category {index:02d}" for index in range(20))
    ]
    start = Product.objects.filter(sku__startswith="BLK-").count()
    progress = Progress(stdout, "products", count)
    ids: list[int] = []
    for offset in range(0, count, 2000):
        batch = [
            Product(
                sku=f"BLK-{start + index:07d}",
                name=f"Bulk product {start + index}",
                category=rng.choice(categories),
                unit_price=Decimal(rng.randint(10, 99_999)) / 100,
                min_quantity=rng.choice([0, 5, 10, 20]),
                reorder_quantity=rng.choice([0, 10, 50]),
            )
            for index in range(offset, min(offset + 2000, count))
        ]
        ids.extend(product.pk for product in Product.objects.bulk_create(batch))
        progress.update(len(ids))
    return ids


def _bulk_suppliers() -> list[int]:
    from catalog.models import Supplier

    ids = list(Supplier.objects.filter(is_active=True).values_list("pk", flat=True)[:10])
    return ids or [Supplier.objects.create(name="Bulk Supplier").pk]


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
    columns = ", ".join((*MOVEMENT_COLUMNS, "created_at"))
    batch = 50_000
    connection.ensure_connection()
    with connection.connection.cursor() as raw:
        with raw.copy(f"COPY stock_stockmovement ({columns}) FROM STDIN") as copy:
            lines, done = [], 0
            for at, row in rows:
                product_id, change_type, quantity, supplier_id, reason, note, reference, user_id = row
                supplier = r"\N" if supplier_id is None else supplier_id
                lines.append(
                    f"{product_id}\t{change_type}\t{quantity}\t{supplier}\t{reason}\t\t\t{user_id}\t{at.isoformat()}\n"
                )
                if len(lines) == batch:
                    copy.write("".join(lines))
                    done += len(lines)
                    lines = []
                    progress.update(done)
            copy.write("".join(lines))
            progress.update(done + len(lines))


def _insert_movements(rows, count: int, progress: Progress) -> None:
    from stock.models import StockMovement

    batch, done = [], 0
    for at, row in rows:
        batch.append(StockMovement(**dict(zip(MOVEMENT_COLUMNS, row, strict=True)), created_at=at))
        if len(batch) == 5000:
            StockMovement.objects.bulk_create(batch)
            done += len(batch)
            batch = []
            progress.update(done)
    StockMovement.objects.bulk_create(batch)
    progress.update(done + len(batch))


def _bulk_levels(levels: dict) -> None:
    from stock.models import StockLevel

    StockLevel.objects.bulk_create(
        [
            StockLevel(product_id=product_id, total_in=total_in, total_out=total_out, last_restocked_at=last_in)
            for product_id, (total_in, total_out, last_in) in levels.items()
        ],
        batch_size=2000,
    )
