"""The hot path through the HTTP API under gunicorn, beside the ceiling and the floor (run by hand, not in CI).

    .venv/bin/python bench/movements.py [--duration 4] [--rounds 3] [--clients 16] [--lines 50]
                                        [--before 6e3716a] [--growth]

In one run, alternating round by round (A B C D E A B C D E ...), 16 clients on keep-alive connections,
4 gunicorn workers each, PostgreSQL:
- the ceiling: ``../shared/bench/ceiling.py`` (see bench/_common.py), two SQL statements and nothing else;
- ``POST /api/v1/stock/movements`` of this checkout (IN and OUT of 1 on 500 products in turn): target >= 1.0x
  the ceiling;
- ``POST /api/v1/stock/documents``: receipts of ``--lines`` lines, counted in lines/s: target >= 10x the ceiling;
- the floor: a bare DRF view returning a constant (bench/_bare.py) beside an authenticated ``GET auth/me``:
  target >= 0.8x;
- the same movement endpoint of each ``--before`` revision (none by default; e.g. 6e3716a, the commit before
  locations), from a git worktree in ``$TMPDIR/inv-bench-<rev>``, on its own database.
Then one product with every client on its row lock (the hard limit; target >= 0.4x the ceiling), and with
``--growth`` the same endpoint on an empty ledger against one of 1,000,000 movements (``seed_demo --products
10000 --movements 1000000``, kept in ``<prefix>_full`` between runs; ``--fresh`` rebuilds it; target: within
15%). Orders to ``confirmed`` with 2 workers: bench/orders.py (it needs RQ workers beside the server).

Databases (created here): ``<prefix>_main``, ``<prefix>_before_<rev>``, ``<prefix>_ceiling`` with the prefix
``BENCH_DB_PREFIX`` (default ``inv_bench``); the cache is ``BENCH_REDIS_URL`` (default Redis db 11).
"""

import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import (
    PREFIX,
    ROOT,
    THREADS,
    WORKERS,
    alternate,
    arguments,
    bare_request,
    ceiling_request,
    load,
    manage,
    me_request,
    movement_request,
    prepare,
    psql,
    ratio,
    start_bare,
    start_ceiling,
    start_service,
    stopping,
)
from documents import receipt_request

BEFORE = ""  # none by default; 6e3716a is the commit before locations


def worktree(revision: str) -> Path:
    """A detached worktree of ``revision`` (made once, reused)."""
    path = Path(tempfile.gettempdir()) / f"inv-bench-{revision}"
    if not (path / "manage.py").exists():
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(path), revision], check=True)
    return path


def full_ledger(fresh: bool) -> dict:
    database = f"{PREFIX}_full"
    seeded = psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{database}'") == "1" and not fresh
    info = prepare(database, rebuild=not seeded)
    if not seeded:
        print(f"[{database}] seed_demo --products 10000 --movements 1000000")
        manage(database, "seed_demo", "--products", "10000", "--movements", "1000000")
    return info


def main() -> int:
    parser = arguments(__doc__)
    parser.add_argument("--lines", type=int, default=50, help="lines of the receipt document")
    parser.add_argument("--before", default=BEFORE, help="revisions to compare with, comma-separated ('' for none)")
    parser.add_argument("--growth", action="store_true", help="also the 1,000,000-row ledger comparison")
    parser.add_argument("--fresh", action="store_true", help="rebuild the 1,000,000-row ledger")
    args = parser.parse_args()
    options = {"clients": args.clients, "duration": args.duration}

    main_info = prepare(f"{PREFIX}_main")
    revisions = [revision for revision in args.before.split(",") if revision]
    before = [(revision, worktree(revision)) for revision in revisions]
    before_info = [prepare(f"{PREFIX}_before_{rev}", code=code) for rev, code in before]
    full_info = full_ledger(args.fresh) if args.growth else None
    with stopping() as servers:
        servers.append(start_ceiling(8990))
        servers.append(start_service(f"{PREFIX}_main", 8991))
        servers.append(start_bare(8988))
        for offset, (revision, code) in enumerate(before):
            servers.append(start_service(f"{PREFIX}_before_{revision}", 8992 + offset, code=code))
        if full_info:
            servers.append(start_service(f"{PREFIX}_full", 8989))

        def api(port, info, product_ids=None):
            request = movement_request(product_ids or info["product_ids"])
            return lambda: load(port, request, token=info["token"], **options)

        ceiling = lambda: load(8990, ceiling_request, **options)  # noqa: E731
        this = "API POST stock/movements (this checkout)"
        receipts = receipt_request(main_info["product_ids"], args.lines)
        document = f"{args.lines}-line receipt, lines/s"
        runs = [
            ("ceiling", ceiling),
            (this, api(8991, main_info)),
            (document, lambda: args.lines * load(8991, receipts, token=main_info["token"], **options)),
            ("bare DRF constant (GET)", lambda: load(8988, bare_request, **options)),
            ("API GET auth/me", lambda: load(8991, me_request, token=main_info["token"], **options)),
        ]
        for offset, ((revision, _), info) in enumerate(zip(before, before_info, strict=True)):
            runs.append((f"same at {revision}", api(8992 + offset, info)))
        for _, runner in runs:  # warm every worker's connections and imports
            runner()

        print(
            f"\nA B A B: {args.clients} clients, {args.duration:g} s per run, {WORKERS} gunicorn workers x "
            f"{THREADS} threads each, PostgreSQL"
        )
        results = alternate(runs, args.rounds)
        api_ratio = ratio(results, this, "ceiling", "API/ceiling")
        print(f"  target API/ceiling >= 1.0: {'ok' if api_ratio >= 1.0 else 'MISSED'}")
        lines_ratio = ratio(results, document, "ceiling", "document lines/ceiling")
        print(f"  target document lines/ceiling >= 10: {'ok' if lines_ratio >= 10 else 'MISSED'}")
        floor_ratio = ratio(results, "API GET auth/me", "bare DRF constant (GET)", "auth/me / bare DRF")
        print(f"  target auth/me / bare DRF >= 0.8: {'ok' if floor_ratio >= 0.8 else 'MISSED'}")
        for label, _ in runs[5:]:
            revision = label.removeprefix("same at ")
            ratio(results, label, "ceiling", f"{revision}/ceiling")
            change = ratio(results, this, label, f"this checkout/{revision}") - 1
            print(f"  change from {revision}: {change:+.1%} (must not be slower)")

        # The hard limit: every client on one product, so every movement waits for the same level row lock.
        hot = api(8991, main_info, main_info["product_ids"][:1])
        hot_rate = statistics.median(hot() for _ in range(args.rounds))
        hot_ratio = hot_rate / statistics.median(results["ceiling"])
        print(f"\nOne product, {args.clients} clients on its row lock: median {hot_rate:.1f} movements/s")
        print(f"  {hot_ratio:.2f} of the ceiling's median (target >= 0.4: {'ok' if hot_ratio >= 0.4 else 'MISSED'})")

        if full_info:
            print(f"\nLedger growth: API on an empty ledger vs 1,000,000 rows, {args.duration:g} s per run")
            grown = alternate(
                [("empty ledger", api(8991, main_info)), ("1,000,000-row ledger", api(8989, full_info))], args.rounds
            )
            change = ratio(grown, "1,000,000-row ledger", "empty ledger", "1M rows/empty") - 1
            print(f"  change with 1M rows: {change:+.1%} (target within -15%: {'ok' if change >= -0.15 else 'MISSED'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
