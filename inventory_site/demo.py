"""Demo data for `make run`: loaded once, through the same services as everything else."""

import os
import random
from decimal import Decimal

from django.db import transaction

from accounts.models import Role, User

DEMO_ADMIN_EMAIL = "admin@example.com"
DEMO_STAFF_EMAIL = "staff@example.com"


def _demo_user(email: str, role: str, password: str, first: str, last: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=password, role=role, first_name=first, last_name=last)
    return user


@transaction.atomic
def load_demo(*, stdout=None) -> bool:
    """Load the demo once; returns False when it was already there."""
    admin = _demo_user(
        DEMO_ADMIN_EMAIL, Role.ADMIN, os.environ.get("DEMO_ADMIN_PASSWORD", "admin-demo-2026"), "Ada", "Admin"
    )
    _demo_user(DEMO_STAFF_EMAIL, Role.STAFF, os.environ.get("DEMO_STAFF_PASSWORD", "staff-demo-2026"), "Sam", "Staff")
    from catalog.models import Product

    if Product.objects.exists():
        return False
    _load_catalog_and_stock(admin)
    return True


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


def _load_catalog_and_stock(admin: User) -> None:
    from catalog.models import Category, Product, Supplier
    from stock import services as stock_services

    rng = random.Random(42)
    suppliers = [
        Supplier.objects.create(name=name, email=email, phone=phone)
        for name, email, phone in [
            ("Nordic Fasteners AB", "sales@nordicfasteners.example", "+46 8 555 0101"),
            ("ToolWorks Ltd", "orders@toolworks.example", "+44 20 5550 0199"),
            ("Bright Electric GmbH", "info@bright-electric.example", "+49 30 5550 0142"),
        ]
    ]
    for category_name, items in CATALOG.items():
        category = Category.objects.create(name=category_name, description=f"{category_name} for the workshop")
        for sku, name, price in items:
            product = Product.objects.create(
                sku=sku,
                name=name,
                category=category,
                unit_price=Decimal(price),
                min_quantity=rng.choice([5, 10, 20]),
                reorder_quantity=rng.choice([0, 25, 50]),
            )
            stock_services.record_movement(
                product=product,
                change_type="IN",
                quantity=rng.randint(15, 120),
                user=admin,
                supplier=rng.choice(suppliers),
                reason="purchase",
                note="Opening stock",
            )
            level = product.stock_level if hasattr(product, "stock_level") else None
            out = rng.randint(0, 12)
            if out and (level is None or out <= level.available):
                stock_services.record_movement(product=product, change_type="OUT", quantity=out, user=admin)
