"""Imports on PostgreSQL: 10,000 rows validated (target < 10 s) and applied (target < 60 s) (run by hand).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/inv_imp_bench .venv/bin/python bench/imports.py [--rows 10000]
    DATABASE_URL=sqlite:////tmp/bench-imports.sqlite3 .venv/bin/python bench/imports.py   # the embedded default's

Times the steps of a catalogue import (read and store the file, the validation job, the apply job: a
catalog.services.create_or_update_products call per chunk of 500), a stock import of the same products (a count
document per chunk of 200 and location, stock.services.create_document), a catalogue import changing every
price (the bulk UPDATE), and the round trip (export as CSV,
re-validate: every row unchanged). The jobs are called directly, as a worker would, on the embedded default's
settings otherwise (the outbox relay runs on a thread of this process); every run uses fresh SKUs, so it can run
again on the same database. Prints the load average beside the figures: this machine is shared.
"""

import argparse
import os
import time

from _common import setup_django

os.environ.pop("REDIS_URL", None)  # the jobs are run by hand below
setup_django("postgres://postgres@127.0.0.1:5432/inv_imp_bench")

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from accounts.models import User  # noqa: E402
from catalog.exchange import PRODUCT_COLUMNS  # noqa: E402
from imports import services  # noqa: E402
from imports.models import Import  # noqa: E402
from imports.tests.support import csv_bytes  # noqa: E402

services.enqueue_on_commit = lambda *args, **kwargs: None  # the bench runs each job itself, timed


def timed(label: str, target: float | None, func):
    started = time.perf_counter()
    result = func()
    elapsed = time.perf_counter() - started
    verdict = "" if target is None else f"  (target < {target:.0f} s: {'met' if elapsed < target else 'MISSED'})"
    print(f"{label:<44} {elapsed:7.2f} s{verdict}")
    return result


def run_import(admin, kind: str, content: bytes, label: str, *, apply: bool = True) -> Import:
    job = timed(f"{label}: read + store", None, lambda: services.create_import(actor=admin, kind=kind, data=content))
    timed(f"{label}: validate", 10, lambda: services.validate_import(job.pk))
    job.refresh_from_db()
    if apply:
        services.request_apply(actor=admin, job=job, skip_invalid=True)
        timed(f"{label}: apply", 60, lambda: services.apply_import(job.pk))
        job.refresh_from_db()
    print(f"{'':<44} status {job.status}, counts {job.counts}")
    return job


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    rows = parser.parse_args().rows
    call_command("ensure_database")
    call_command("migrate", verbosity=0)
    admin = User.objects.filter(email="bench-imports@example.com").first() or User.objects.create_superuser(
        email="bench-imports@example.com", password="Warehouse-bench-2026-xq"
    )
    prefix = f"B{int(time.time())}"
    database = f"{connection.vendor} {os.environ['DATABASE_URL'].rsplit('/', 1)[-1]}"
    load = ", ".join(f"{figure:.1f}" for figure in os.getloadavg())
    print(f"Imports benchmark: {rows:,} rows, {database}, {os.cpu_count()} cores, load average {load}")
    products = [
        [
            f"{prefix}-{n:06d}",
            f"Bench product {n}",
            f"Bench cat {n % 50}",
            "pcs",
            f"{n % 500}.99",
            n % 20,
            0,
            "",
            "true",
        ]
        for n in range(rows)
    ]
    run_import(admin, "products", csv_bytes(PRODUCT_COLUMNS, products), "products (create)")
    counts = [[line[0], "", str(10 + n % 90)] for n, line in enumerate(products)]
    run_import(admin, "stock", csv_bytes(("sku", "location", "quantity"), counts), "stock (counts)")
    repriced = [[*line[:4], f"{n % 500}.49", *line[5:]] for n, line in enumerate(products)]
    run_import(admin, "products", csv_bytes(PRODUCT_COLUMNS, repriced), "products (update)")
    client = Client()
    client.force_login(admin)
    exported = timed(
        "export products?format=csv (all products)",
        None,
        lambda: b"".join(client.get(f"/api/v1/products?format=csv&search={prefix}").streaming_content),
    )
    job = run_import(admin, "products", exported, "round trip", apply=False)
    print(f"{'':<44} unchanged {job.count_unchanged:,} of {job.count_rows:,}")
    print(f"load average at the end: {', '.join(f'{figure:.1f}' for figure in os.getloadavg())}")


if __name__ == "__main__":
    main()
