import random

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.demo import DemoPasswordRefused, demo_users
from catalog.demo import load_demo_catalog
from catalog.models import Product
from orders.demo import load_demo_orders
from stock.demo import load_bulk, load_demo_stock


def load_demo(*, stdout=None) -> bool:
    """Each app's demo, in dependency order (users, catalogue, stock, orders), once: returns False when the
    catalogue was already there. Orders are topped up if missing."""
    with transaction.atomic():
        admin, staff = demo_users()
        loaded = not Product.objects.exists()
        if loaded:
            rng = random.Random(42)
            products, suppliers = load_demo_catalog(admin=admin, rng=rng)
            load_demo_stock(products=products, suppliers=suppliers, admin=admin, staff=staff, rng=rng)
    orders = load_demo_orders(admin=admin, staff=staff)
    if orders and stdout is not None:
        stdout.write(f"Loaded {len(orders)} demo orders.")
    return loaded


class Command(BaseCommand):
    help = (
        "Load the demo data (users, catalogue, stock, orders) once; running it again changes nothing. "
        "With --products N --movements M, also add N products and M movements spread over the last 90 days "
        "(benchmark data: COPY on PostgreSQL, batched inserts on SQLite)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--products", type=int, default=0, help="bulk: number of products to add")
        parser.add_argument("--movements", type=int, default=0, help="bulk: number of movements to add")
        parser.add_argument("--seed", type=int, default=1, help="bulk: random seed")

    def handle(self, *args, products, movements, seed, **options):
        if products < 0 or movements < 0:
            raise CommandError("--products and --movements must not be negative.")
        if movements and not products:
            raise CommandError("--movements needs --products: the movements go to the products created here.")
        try:
            loaded = load_demo(stdout=self.stdout)
        except DemoPasswordRefused as error:
            raise CommandError(str(error)) from None
        if loaded:
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        else:
            self.stdout.write("Demo data already present.")
        if products:
            admin, staff = demo_users()
            result = load_bulk(
                products=products, movements=movements, admin=admin, staff=staff, stdout=self.stdout, seed=seed
            )
            self.stdout.write(
                self.style.SUCCESS(
                    f"Added {result['products']:,} products and {result['movements']:,} movements "
                    f"in {result['seconds']:.1f} s."
                )
            )
