"""Movements per second through the HTTP API under gunicorn, beside the ceiling (run by hand, not in CI).

    .venv/bin/python bench/movements.py [--duration 4] [--rounds 3] [--clients 16] [--before 6e3716a] [--growth]

In one run, alternating round by round (A B C A B C ...), 16 clients on keep-alive connections, 4 gunicorn
workers each, PostgreSQL:
- the ceiling: ``../shared/bench/ceiling.py`` (see bench/_common.py), two SQL statements and nothing else;
- ``POST /api/v1/stock/movements`` of this checkout (IN and OUT of 1 on 500 products in turn);
- the same endpoint of each ``--before`` revision (default 6e3716a, the commit before locations; a comma list
  compares several, e.g. ``6e3716a,1cb4561`` to tell the locations commit from later ones), from a git worktree
  in ``$TMPDIR/inv-bench-<rev>`` (made on first use), on its own database, migrated by its own migrations.
It prints every figure, the medians, the ratio of each to the ceiling (target: this checkout >= 0.6) and the
ratio of this checkout to ``--before`` ("single movements must not get slower because of locations").
Then one product with every client on its row lock (the hard limit), and with ``--growth`` the same endpoint on
an empty ledger against one of 1,000,000 movements (``seed_demo --products 10000 --movements 1000000``, kept in
``<prefix>_full`` between runs; ``--fresh`` rebuilds it; target: within 15%).

Databases (created here): ``<prefix>_main``, ``<prefix>_before_<rev>``, ``<prefix>_ceiling`` with the prefix
``BENCH_DB_PREFIX`` (default ``inv_bench``); the cache is ``BENCH_REDIS_URL`` (default Redis db 11).
"""

import argparse
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
    ceiling_request,
    load,
    manage,
    movement_request,
    prepare,
    psql,
    ratio,
    start_ceiling,
    start_service,
    stop,
)

BEFORE = "6e3716a"  # "README: the architecture as it now is", the parent of 1cb4561 "Locations and stock documents"


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
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=16)
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
    servers = []
    try:
        servers.append(start_ceiling(8990))
        servers.append(start_service(f"{PREFIX}_main", 8991))
        for offset, (revision, code) in enumerate(before):
            servers.append(start_service(f"{PREFIX}_before_{revision}", 8992 + offset, code=code))
        if full_info:
            servers.append(start_service(f"{PREFIX}_full", 8989))

        def api(port, info, product_ids=None):
            request = movement_request(product_ids or info["product_ids"])
            return lambda: load(port, request, token=info["token"], **options)

        ceiling = lambda: load(8990, ceiling_request, **options)  # noqa: E731
        this = "API POST stock/movements (this checkout)"
        runs = [("ceiling", ceiling), (this, api(8991, main_info))]
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
        print(f"  target API/ceiling >= 0.60: {'ok' if api_ratio >= 0.6 else 'MISSED'}")
        for label, _ in runs[2:]:
            revision = label.removeprefix("same at ")
            ratio(results, label, "ceiling", f"{revision}/ceiling")
            change = ratio(results, this, label, f"this checkout/{revision}") - 1
            print(f"  change from {revision}: {change:+.1%} (must not be slower)")

        # The hard limit: every client on one product, so every movement waits for the same level row lock.
        hot = api(8991, main_info, main_info["product_ids"][:1])
        hot_rate = statistics.median(hot() for _ in range(args.rounds))
        print(f"\nOne product, {args.clients} clients on its row lock: median {hot_rate:.1f} movements/s")

        if full_info:
            print(f"\nLedger growth: API on an empty ledger vs 1,000,000 rows, {args.duration:g} s per run")
            grown = alternate(
                [("empty ledger", api(8991, main_info)), ("1,000,000-row ledger", api(8989, full_info))], args.rounds
            )
            change = ratio(grown, "1,000,000-row ledger", "empty ledger", "1M rows/empty") - 1
            print(f"  change with 1M rows: {change:+.1%} (target within -15%: {'ok' if change >= -0.15 else 'MISSED'})")
    finally:
        for server in servers:
            stop(server)
    return 0


if __name__ == "__main__":
    sys.exit(main())
