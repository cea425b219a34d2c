"""The stock version: every committed stock change increments it, and report cache keys carry it."""

import logging

from django.core.cache import cache

log = logging.getLogger(__name__)

STOCK_VERSION_KEY = "stock:version"


def stock_version() -> int:
    version = cache.get(STOCK_VERSION_KEY)
    if version is None:
        cache.add(STOCK_VERSION_KEY, 1, timeout=None)
        version = cache.get(STOCK_VERSION_KEY) or 0
    return int(version)


def bump_stock_version() -> None:
    """One INCR. Called on commit of every stock change."""
    try:
        if cache.incr(STOCK_VERSION_KEY) is None:  # django-redis swallowed an outage
            log.warning("stock version not bumped: cache unreachable")
    except ValueError:  # the key does not exist yet (or was evicted)
        cache.add(STOCK_VERSION_KEY, 1, timeout=None)
        cache.incr(STOCK_VERSION_KEY)
