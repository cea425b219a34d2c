from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils.module_loading import import_string


def healthz(request):
    """The process is up."""
    return JsonResponse({"status": "ok"})


def _database_ok() -> bool:
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:  # noqa: BLE001 - any failure means "not ready"
        return False


def _redis_ok() -> bool:
    if not settings.REDIS_URL:
        return True
    try:
        from django_redis import get_redis_connection

        return bool(get_redis_connection("default").ping())
    except Exception:  # noqa: BLE001
        return False


def _outbox_lag() -> dict | None:
    """How far the event outbox is behind (``OUTBOX_LAG``: the integrations app's, named in settings so this
    plumbing imports no domain app); None when it cannot be read."""
    try:
        return import_string(settings.OUTBOX_LAG)()
    except Exception:  # noqa: BLE001 - informational: never fails the probe
        return None


def readyz(request):
    """The database and (when configured) Redis are reachable; 503 naming what is not."""
    checks = {"database": _database_ok(), "redis": _redis_ok() if settings.REDIS_URL else None}
    failing = [name for name, ok in checks.items() if ok is False]
    body = {
        "status": "ok" if not failing else "unavailable",
        "checks": {
            name: ("ok" if ok else "not configured" if ok is None else "unreachable") for name, ok in checks.items()
        },
    }
    if failing:
        body["detail"] = f"Unreachable: {', '.join(failing)}"
    else:
        body["outbox_lag"] = _outbox_lag()
    return JsonResponse(body, status=503 if failing else 200)
