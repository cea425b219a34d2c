"""The signed-in user of a JWT, from a short-lived shared cache instead of a query on every request.

``JWTAuthentication.get_user`` reads the user row on every API request (one round trip, about 1 ms of the
ORM's Python per request here). With a cache shared by every worker (Redis), the row is cached for
``AUTH_USER_CACHE_SECONDS`` and dropped by every save or delete of the user (a deactivation, a role or
password change): the next request on any worker reads the row again and sees the change. The drop happens
at once and again on commit, so a request that read the old row during the change cannot leave it cached.
A queryset ``update()`` of users sends no signal: the callers that do one drop the entry (``forget``).

On the embedded default the cache is each process's own memory, which a change in another process could
not reach: there ``AUTH_USER_CACHE_SECONDS`` is 0 and every request reads the row.
"""

from django.conf import settings
from django.core.cache import cache
from django.db import transaction


def _key(user_id) -> str:
    return f"auth:user:{user_id}"


def enabled() -> bool:
    return settings.AUTH_USER_CACHE_SECONDS > 0


def get(user_id):
    return cache.get(_key(user_id)) if enabled() else None


def put(user) -> None:
    if enabled() and user.is_active:
        cache.set(_key(user.pk), user, timeout=settings.AUTH_USER_CACHE_SECONDS)


def forget(user_id) -> None:
    if not enabled():
        return
    key = _key(user_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key), robust=True)
