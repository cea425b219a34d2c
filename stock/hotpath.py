"""``POST /api/v1/stock/movements`` on the hot path (``inventory_site.hotpath``; ``settings.HOT_PATHS``).

The common case only: a plain request (no ``Idempotency-Key``, no query string, no CORS; see
``inventory_site.hotpath.plain``) with a Bearer token of a user who may record a movement anywhere, a body
that ``stock.api.quick`` reads with no supplier, written by the guarded statement
(``services.record_guarded``). Its answer is ``MovementListApi.post``'s: the same representation, status and
headers. Every other case returns None and Django answers it, this one's attempt having written nothing: a bad
body, a token or a user the API refuses, and whatever the statement leaves to the reference service (an
unknown product, too little stock, a reorder-point crossing...). Once the statement has been sent it is never
repeated: a database error there is the API's 503 here, as Django would answer it.

A case left to Django costs one statement more (Django's path tries the statement again before the ORM
service); those are the rare ones. Measured (bench/movements.py, 16 clients, 4 gunicorn workers x 2 threads on
2 cores, beside ../shared/bench/ceiling.py in the same run): 0.42 -> 0.57 of the ceiling's rate.
"""

import json

from django.db import InterfaceError, OperationalError

from inventory_site.exceptions import DomainError
from inventory_site.hotpath import Hot, request_cycle
from stock import access, services
from stock.api import quick
from stock.api.movements import MovementListApi
from stock.serializers import movement_representation
from stock.services import guarded


def movement(environ):
    if not guarded.applies():
        return None
    hot = Hot.read(environ)
    if hot is None:
        return None
    user = hot.user_for(MovementListApi)
    if user is None or access.restriction(user) is not None:
        return None
    try:
        data = quick.movement_input(json.loads(hot.body))
    except (ValueError, RecursionError):
        return None
    if data is None or data.pop("supplier_id", None) is not None:
        return None
    with request_cycle(environ):
        try:
            recorded = services.record_guarded(user=user, **data)
        except DomainError:  # raised before the statement: nothing written
            return None
        except (OperationalError, InterfaceError) as exc:
            return hot.database_unavailable(exc, MovementListApi)
        if recorded is None:
            return None
        return hot.json("201 Created", movement_representation(recorded.movement, recorded), MovementListApi)
