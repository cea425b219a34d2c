from django.core.management.base import BaseCommand, CommandError

from inventory_site.demo import DemoPasswordRefused, load_bulk, load_demo


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
            result = load_bulk(products=products, movements=movements, stdout=self.stdout, seed=seed)
            self.stdout.write(
                self.style.SUCCESS(
                    f"Added {result['products']:,} products and {result['movements']:,} movements "
                    f"in {result['seconds']:.1f} s."
                )
            )
