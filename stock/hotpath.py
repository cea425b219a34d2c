"""``POST /api/v1/stock/movements`` on the hot path (``inventory_site.hotpath``; ``settings.HOT_PATHS``).

The common case only: a plain request (no ``Idempotency-Key``, no query string, no CORS; see
``inventory_site.hotpath.plain``) with a JWT of a user who may record a movement anywhere (checked by the
statement itself: staff and admins, active), a body that ``stock.api.quick`` reads with no supplier, written by
the guarded statement (``services.record_guarded``). Its answer is ``MovementListApi.post``'s: the same
representation, status and headers. Every other case returns None and Django answers it, this one's attempt
having written nothing: a bad body, a token or a user the API refuses, and whatever the statement leaves to the
reference service (an unknown product, too little stock, a reorder-point crossing...). Once the statement has
been sent it is never repeated: a database error there is the API's 503 here, as Django would answer it.

A case left to Django costs one statement more (Django's path tries the statement again before the ORM
service); those are the rare ones. Measured (bench/movements.py, 16 clients, 4 gunicorn workers x 2 threads on
2 cores, beside ../shared/bench/ceiling.py in the same run): 0.42 -> 0.57 of the ceiling's rate; the user
checked by the statement instead of read from the cache: 0.74 -> 0.76 (1.04x the revision before, same run).
"""

import json

from django.contrib.auth import get_user_model
from django.db import InterfaceError, OperationalError

from accounts.authentication import access_token_user_id
from inventory_site.exceptions import DomainError
from inventory_site.hotpath import Hot, request_cycle
from stock import services
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
    user_id = access_token_user_id(environ.get("HTTP_AUTHORIZATION", ""))
    if user_id is None:
        return None
    # No lookup of the user: the statement writes only for an active staff user or admin (guarded.WRITERS),
    # who may record a movement anywhere (stock.access restricts API clients, never people); anyone else
    # gets no row back and Django answers (401, 403). The Redis read of the cached user cost about 10% of
    # this path's CPU (a cProfile of 2,000 movements in-process).
    user = get_user_model()(id=user_id)
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
