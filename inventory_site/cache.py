"""The stock version: every committed stock change increments it, and report cache keys carry it."""

import logging

import redis
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
    """One INCR. Called on commit of every stock change.

    On Redis a plain INCR (it creates a missing key at 1): django-redis's ``incr`` sends a Lua script's text
    with every call to keep a key's TTL, which this key does not have."""
    client = getattr(cache, "client", None)
    if hasattr(client, "get_client"):  # django-redis
        try:
            client.get_client(write=True).incr(client.make_key(STOCK_VERSION_KEY))
        except (redis.ConnectionError, redis.TimeoutError):
            log.warning("stock version not bumped: cache unreachable")
        return
    try:
        if cache.incr(STOCK_VERSION_KEY) is None:  # django-redis swallowed an outage
            log.warning("stock version not bumped: cache unreachable")
    except ValueError:  # the key does not exist yet (or was evicted)
        cache.add(STOCK_VERSION_KEY, 1, timeout=None)
        cache.incr(STOCK_VERSION_KEY)
