"""`Idempotency-Key` on creating POSTs.

The record is inserted in the same transaction as the work it guards. A concurrent duplicate's insert
blocks on the unique index until the first commits (then it replays) or rolls back (then it runs).
Only 2xx answers are kept, for 24 hours.
"""

import functools
import hashlib
import json

from django.db import IntegrityError, transaction
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from inventory_site.api.docs import IDEMPOTENCY_KEY, problem_responses
from inventory_site.exceptions import Conflict
from inventory_site.models import IDEMPOTENCY_TTL, IdempotencyRecord

HEADER = "Idempotency-Key"


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"
    title = "Idempotency key reused"


class _NotStored(Exception):
    def __init__(self, response):
        self.response = response


def _file_digest(uploaded) -> str:
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    return digest.hexdigest()


def _body(request) -> str:
    """The body as fingerprinted: JSON as sent; a multipart form as its fields plus the SHA-256 of each file
    (the same file under another name, or another file under the same name, is told apart by content)."""
    files = request.FILES
    if not files:
        return json.dumps(request.data, sort_keys=True, default=str)
    fields = {name: request.data.getlist(name) for name in request.data if name not in files}
    digests = {name: [_file_digest(uploaded) for uploaded in files.getlist(name)] for name in files}
    return json.dumps({"fields": fields, "files": digests}, sort_keys=True, default=str)


def _fingerprint(request) -> str:
    raw = f"{request.method}\n{request.path.rstrip('/')}\n{_body(request)}"
    return hashlib.sha256(raw.encode()).hexdigest()


def _replay(record: IdempotencyRecord) -> Response:
    headers = {"Idempotent-Replayed": "true"}
    if record.location:
        headers["Location"] = record.location
    return Response(record.body, status=record.status_code, headers=headers)


def idempotent(handler):
    """Decorate an APIView's ``post``."""

    @functools.wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None or not request.user.is_authenticated:
            return handler(view, request, *args, **kwargs)
        if not key.strip() or len(key) > 255:
            raise ValidationError({HEADER: ["Between 1 and 255 characters."]})
        fingerprint = _fingerprint(request)
        IdempotencyRecord.objects.filter(
            user=request.user, key=key, created_at__lt=timezone.now() - IDEMPOTENCY_TTL
        ).delete()
        for _ in range(3):
            try:
                return _run_once(view, handler, request, key, fingerprint, args, kwargs)
            except _Retry:
                continue
        raise Conflict("The request with this idempotency key is still in progress; retry shortly.")

    return wrapper


def idempotent_create(body, answer, *, statuses=(400, 401, 403, 409), **schema):
    """Decorate a creating ``post``: ``idempotent``, and documented so: ``body`` (its request serializer, or
    None), ``Idempotency-Key``, a 201 of ``answer`` and the ``statuses`` as problems (``schema``: further
    ``extend_schema`` arguments, such as ``description``)."""
    documented = extend_schema(
        request=body,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: answer, **problem_responses(*statuses)},
        **schema,
    )
    return lambda handler: documented(idempotent(handler))


class _Retry(Exception):
    pass


def _run_once(view, handler, request, key, fingerprint, args, kwargs):
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(user=request.user, key=key, fingerprint=fingerprint)
            except IntegrityError:
                return _existing(request, key, fingerprint)
            try:
                response = handler(view, request, *args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - DRF turns it into a response; nothing may be stored
                raise _NotStored(view.handle_exception(exc)) from exc
            if not 200 <= response.status_code < 300:
                raise _NotStored(response)
            record.status_code = response.status_code
            record.body = response.data
            record.location = response.get("Location", "")
            record.save(update_fields=["status_code", "body", "location"])
            return response
    except _NotStored as not_stored:
        return not_stored.response


def _existing(request, key, fingerprint):
    record = IdempotencyRecord.objects.filter(user=request.user, key=key).first()
    if record is None:
        raise _Retry  # the first request rolled back meanwhile
    if record.fingerprint != fingerprint:
        raise IdempotencyKeyReused("This Idempotency-Key was used with a different request.")
    return _replay(record)


def purge_expired_records() -> int:
    """Delete the stored answers older than ``IDEMPOTENCY_TTL`` (the scheduler runs it); returns how many."""
    purged, _ = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - IDEMPOTENCY_TTL).delete()
    return purged
