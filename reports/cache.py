"""Report caching that is never stale.

A key carries three things besides the report's normalized parameters:
- the stock version (``inventory_site.cache``), which every committed stock change increments with one INCR;
- the ledger's watermark, ``MAX(stock_movement.id)`` (an index-only lookup, well under a millisecond). It covers
  the one case the version cannot: Redis unreachable for a moment while a movement's bump is lost, and back with
  the old entries still in it. The next movement-derived read then misses anyway;
- the current time zone, since report days are local days.

Changes that write no movement (a reservation, a release, a product edit) rely on the version alone; if their bump
is lost in such an outage, the TTL bounds what can be served, so the current-stock reports keep a short one.

With Redis down every cache call is swallowed (``IGNORE_EXCEPTIONS``) and the report is computed uncached.
"""

import hashlib
import json
import logging
from collections.abc import Callable

from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from inventory_site.cache import stock_version
from stock.models import StockMovement

log = logging.getLogger(__name__)

# By volatility: current stock moves with reservations and product edits, which write no movement.
TTL_CURRENT = 60
# Ranges that include today move only with movements (covered by the watermark too).
TTL_OPEN_RANGE = 300
# Ranges that ended before today: the ledger is append-only, so only a product rename can change them.
TTL_CLOSED_RANGE = 3600


def watermark_sql() -> str:
    quote = connection.ops.quote_name
    return f"SELECT MAX({quote(StockMovement._meta.pk.column)}) FROM {quote(StockMovement._meta.db_table)}"


def ledger_watermark() -> int:
    """``MAX(id)`` of the ledger, as plain SQL: the ORM's aggregate cost more Python than the index lookup."""
    with connection.cursor() as cursor:
        cursor.execute(watermark_sql())
        return cursor.fetchone()[0] or 0


def cache_key(name: str, version: int, watermark: int, params: dict) -> str:
    payload = json.dumps({"tz": timezone.get_current_timezone_name(), "params": params}, sort_keys=True, default=str)
    digest = hashlib.sha256(payload.encode()).hexdigest()[:32]
    return f"reports:{name}:v{version}:m{watermark}:{digest}"


def _version() -> int:
    try:
        return stock_version()
    except Exception:  # noqa: BLE001 - a cache failure must never break a report
        log.warning("report cache: stock version unavailable", exc_info=True)
        return 0


def cached(name: str, params: dict, compute: Callable[[], object], *, ttl: int):
    """``compute()``'s result, from the cache when a fresh entry exists. Never raises for a cache failure."""
    version = _version()
    if not version:
        # The version key could not even be created: the cache is unreachable. Skip it rather than time out again.
        log.debug("report cache unavailable: %s computed uncached", name)
        return compute()
    key = cache_key(name, version, ledger_watermark(), params)
    try:
        value = cache.get(key)
    except Exception:  # noqa: BLE001
        log.warning("report cache read failed for %s", key, exc_info=True)
        return compute()
    if value is not None:
        log.debug("report cache hit %s", key)
        return value
    log.debug("report cache miss %s", key)
    value = compute()
    try:
        cache.set(key, value, ttl)
    except Exception:  # noqa: BLE001
        log.warning("report cache write failed for %s", key, exc_info=True)
    return value
