"""Demo catalogue for `make run` (through catalog.services, so audited like any admin's work), and the bulk
products of `seed_demo --products N` for benchmarks (written straight to the table)."""

import random
from decimal import Decimal

from catalog import services
from catalog.models import Category, Product, Supplier
from inventory_site.progress import Progress

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



def load_demo_catalog(*, admin, rng: random.Random) -> tuple[list[Product], list[Supplier]]:
    """The demo suppliers, categories and products; returns ``(products, suppliers)``."""
    suppliers = [
        services.create_supplier(actor=admin, name=name, email=email, phone=phone) for name, email, phone in SUPPLIERS
    ]
    products = []
    for category_name, items in CATALOG.items():
        category = services.create_category(
            actor=admin, name=category_name, description=f"{category_name} for the workshop"
        )
        for sku, name, price in items:
            product = services.create_product(
                actor=admin,
                sku=sku,
                name=name,
                category_id=category.pk,
                unit_price=Decimal(price),
                min_quantity=rng.choice([5, 10, 20]),
                reorder_quantity=rng.choice([0, 25, 50]),
            )
            products.append(product)
    return products, suppliers


def bulk_products(count: int, rng: random.Random, stdout) -> list[int]:
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


def bulk_suppliers() -> list[int]:
    ids = list(Supplier.objects.filter(is_active=True).values_list("pk", flat=True)[:10])
    return ids or [Supplier.objects.create(name="Bulk Supplier").pk]
