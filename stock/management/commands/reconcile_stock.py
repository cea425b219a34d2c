from django.core.management.base import BaseCommand, CommandError

from catalog.models import Product
from stock.selectors import stock_drift


class Command(BaseCommand):
    help = (
        "Compare every stock level with its ledger (SUM of IN and OUT) and its active reservations. "
        "Lists each drifting product and exits non-zero when there is any."
    )

    def handle(self, *args, **options):
        drift = stock_drift()
        if not drift:
            self.stdout.write(self.style.SUCCESS("No drift: every level matches its ledger and reservations."))
            return
        skus = dict(Product.objects.filter(pk__in=[row["product_id"] for row in drift]).values_list("pk", "sku"))
        for row in drift:
            product_id, level = row["product_id"], row["level"]
            found = "no level row" if level is None else _figures(level)
            self.stdout.write(
                f"product {product_id} {skus.get(product_id, '?')}: level {found}; ledger {_figures(row['expected'])}"
            )
        raise CommandError(f"Stock drift in {len(drift)} product(s).")


def _figures(values: dict) -> str:
    return ", ".join(f"{key}={value}" for key, value in values.items())
