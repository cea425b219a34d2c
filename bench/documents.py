"""Document lines per second through the HTTP API under gunicorn, beside the ceiling (run by hand, not in CI).

    .venv/bin/python bench/documents.py [--duration 4] [--rounds 3] [--clients 16] [--lines 50]

In one run, alternating round by round (A B C A B C ...), 16 clients on keep-alive connections, 4 gunicorn
workers each, PostgreSQL:
- the ceiling (``../shared/bench/ceiling.py``, see bench/_common.py) in movements/s;
- ``POST /api/v1/stock/documents`` receipts of 50 lines (50 random products of 500, quantity 1, at MAIN);
- ``POST /api/v1/stock/documents`` direct transfers of 50 lines between MAIN and a second warehouse, each client
  alternating the direction so the stock stays put (a line is two movements: OUT at one, IN at the other).
It prints documents/s as lines/s (201 answers x lines) and each as a ratio to the ceiling's movements/s.

Databases: ``<prefix>_docs`` and ``<prefix>_ceiling`` (``BENCH_DB_PREFIX``, default ``inv_bench``).
"""

import sys

from _common import (
    PREFIX,
    alternate,
    arguments,
    ceiling_request,
    load,
    prepare,
    ratio,
    start_ceiling,
    start_service,
    stopping,
)

DOCUMENTS = "/api/v1/stock/documents"
SECOND_WAREHOUSE = """
from stock.models import Location
from stock.services import create_document, create_location, default_location
second = Location.objects.filter(code="BENCH-B").first() or create_location(actor=admin, code="BENCH-B", name="B")
if not second.stock_levels.exists():
    for start in range(0, len(ids), 500):
        create_document(kind="receipt", user=admin, location_id=second.pk,
                        lines=[{"product_id": pid, "quantity": 1_000_000} for pid in ids[start:start + 500]])
info["locations"] = [default_location().pk, second.pk]
"""


def receipt_request(product_ids: list[int], lines: int):
    def make(rng, sent, index):
        chosen = rng.sample(product_ids, lines)
        return DOCUMENTS, {"kind": "receipt", "lines": [{"product_id": pid, "quantity": 1} for pid in chosen]}

    return make


def transfer_request(product_ids: list[int], locations: list[int], lines: int):
    def make(rng, sent, index):
        chosen = rng.sample(product_ids, lines)
        source, destination = locations if sent % 2 == 0 else locations[::-1]
        body = {"kind": "transfer", "source_location_id": source, "destination_location_id": destination}
        return DOCUMENTS, {**body, "lines": [{"product_id": pid, "quantity": 1} for pid in chosen]}

    return make


def main() -> int:
    parser = arguments(__doc__)
    parser.add_argument("--lines", type=int, default=50)
    args = parser.parse_args()
    options = {"clients": args.clients, "duration": args.duration}

    database = f"{PREFIX}_docs"
    info = prepare(database, extra=SECOND_WAREHOUSE)
    ids, token = info["product_ids"], info["token"]
    with stopping() as servers:
        servers.append(start_ceiling(8990))
        servers.append(start_service(database, 8991))
        receipts, transfers = receipt_request(ids, args.lines), transfer_request(ids, info["locations"], args.lines)
        runs = [
            ("ceiling", lambda: load(8990, ceiling_request, **options)),
            (f"{args.lines}-line receipt", lambda: args.lines * load(8991, receipts, token=token, **options)),
            (f"{args.lines}-line transfer", lambda: args.lines * load(8991, transfers, token=token, **options)),
        ]
        for _, runner in runs:  # warm every worker's connections and imports
            runner()
        print(f"\nA B C A B C: {args.clients} clients, {args.duration:g} s per run, PostgreSQL")
        print("  (the ceiling in movements/s, documents in lines/s)")
        results = alternate(runs, args.rounds, unit="/s")
        for label, _ in runs[1:]:
            ratio(results, label, "ceiling", f"{label} lines/ceiling movements")
    return 0


if __name__ == "__main__":
    sys.exit(main())
