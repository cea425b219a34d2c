from django.core.management.base import BaseCommand, CommandError

from catalog.models import Product
from stock.models import Location
from stock.selectors import stock_drift


class Command(BaseCommand):
    help = (
        "Compare every (product, location) stock level with its ledger (SUM of IN and OUT, transfers apart) and "
        "its active reservations; check that every completed transfer nets to zero per product and that the "
        "stock at transit locations equals what open transfers carry, and that every movement since the oldest "
        "event kept is in exactly one stock.changed event. Lists each difference and exits non-zero "
        "when there is any."
    )

    def handle(self, *args, **options):
        drift = stock_drift()
        if not drift:
            self.stdout.write(
                self.style.SUCCESS("No drift: every level matches its ledger and reservations, transfers net to zero.")
            )
            return
        skus = dict(Product.objects.filter(pk__in=[row["product_id"] for row in drift]).values_list("pk", "sku"))
        codes = dict(Location.objects.values_list("pk", "code"))
        for row in drift:
            self.stdout.write(_describe(row, skus, codes))
        products = {row["product_id"] for row in drift}
        raise CommandError(f"Stock drift: {len(drift)} difference(s) in {len(products)} product(s).")


def _describe(row: dict, skus: dict, codes: dict) -> str:
    product = f"product {row['product_id']} {skus.get(row['product_id'], '?')}"
    if row["kind"] == "level":
        level = "no level row" if row["level"] is None else _figures(row["level"])
        where = codes.get(row["location_id"], row["location_id"])
        return f"{product} at {where}: level {level}; ledger {_figures(row['expected'])}"
    if row["kind"] == "transfer":
        return (
            f"{product}: transfer document {row['document_id']} does not net to zero "
            f"(in {row['total_in']}, out {row['total_out']})"
        )
    if row["kind"] == "event":
        return f"{product}: movement {row['movement_id']} is in {row['events']} stock.changed event(s), not 1"
    return f"{product}: {row['at_transit']} at transit locations, {row['in_open_transfers']} in open transfers"


def _figures(values: dict) -> str:
    return ", ".join(f"{key}={value}" for key, value in values.items())
