"""Bulk writes of many rows: one INSERT, UPDATE or COPY on PostgreSQL, Django's own elsewhere (SQLite).

Django's ``bulk_update`` builds a ``CASE WHEN id = .. THEN ..`` per row and field and resolves each as an
expression: 200 stock levels of 6 fields took over a second of Python for a statement PostgreSQL ran in 60 ms
(django-pgbulk's ``UPDATE .. FROM (VALUES ..)``, used here before, still prepared and quoted every value in
Python). ``copy_rows`` inserts plain values with ``COPY .. FROM STDIN``: 10,000 import rows in half a second,
where ``bulk_create`` (each value prepared and quoted in Python) took five, and ``pgbulk.copy`` four.

``insert_rows`` and ``update_rows`` on PostgreSQL send one array per column (``unnest``), bound on the server
and prepared once per connection (``prepared_cursor``): the statement's text is the same for any number of
rows, psycopg dumps each array in C, and no value goes through Django's per-field preparation (1,560 calls
for a 50-line receipt). A 50-row INSERT of movements: 2.2 -> 1.3 ms of CPU; a 50-line receipt in all (its
lines, movements, level rows and events; in-process): 21.0 -> 16.9 ms.
"""

import json
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal

import psycopg
from django.conf import settings
from django.db import connection, models

# Django opens psycopg connections with ``prepare_threshold=None``, which turns off preparing altogether, even a
# ``prepare=True``: the guarded movement statement was parsed and planned again on every movement (PostgreSQL's
# backends spent about 1.08 ms of CPU per movement under bench/movements.py, 0.28 ms once prepared). A threshold
# no query reaches keeps psycopg's automatic preparing off (Django's own cursors bind on the client and never
# prepare) and lets ``_Prepared`` prepare the statements given to it.
NEVER_AUTOMATIC = 2**62


class _Prepared(psycopg.Cursor):
    """Server-side binding, prepared on first use per connection: Django's client-side binding quotes every
    parameter into the statement's text and PostgreSQL parses and plans it again each time (about 0.3 ms of
    the guarded movement statement; psycopg sends a prepared statement's parameters only)."""

    def execute(self, query, params=None, **kwargs):
        return super().execute(query, params, prepare=True, **kwargs)


def prepared_cursor():
    """A Django cursor wrapper (query logging, execute wrappers, error translation) around ``_Prepared``: for
    statements of a fixed text whose every parameter is cast (PostgreSQL fixes their types once)."""
    connection.ensure_connection()
    if connection.connection.prepare_threshold is None:
        connection.connection.prepare_threshold = NEVER_AUTOMATIC
    if connection.queries_logged:  # DEBUG or a test capturing queries: psycopg keeps no text of a prepared
        return connection.make_debug_cursor(psycopg.Cursor(connection.connection))  # statement; this logs it
    if not settings.DATABASE_PREPARED_STATEMENTS:  # bound on the server, never prepared (PgBouncer < 1.21)
        return connection.make_cursor(psycopg.Cursor(connection.connection))
    return connection.make_cursor(_Prepared(connection.connection))


def insert_rows(model: type[models.Model], rows: list[models.Model]) -> list[models.Model]:
    """Insert ``rows`` (unsaved instances of ``model``) in one statement and set their primary keys, as
    ``bulk_create`` does (``auto_now`` and ``auto_now_add`` fields dated by their ``pre_save``, as it does)."""
    if connection.vendor != "postgresql" or not rows:
        return model.objects.bulk_create(rows)
    meta = model._meta
    fields = [field for field in meta.concrete_fields if field is not meta.pk or getattr(rows[0], field.attname)]
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for row in rows:
                field.pre_save(row, add=True)
    sql = _statement(model, "insert", tuple(field.attname for field in fields))
    with prepared_cursor() as cursor:
        cursor.execute(sql, [_column(field, rows) for field in fields])
        for row, (pk,) in zip(rows, cursor.fetchall(), strict=True):
            row.pk = pk
            row._state.adding = False
            row._state.db = connection.alias
    return rows


def update_rows(model: type[models.Model], rows: Sequence[models.Model], fields: Sequence[str]) -> None:
    """Write ``fields`` of every row of ``rows`` (saved instances of ``model``) in one statement, in ascending
    primary key (the order every writer locks in)."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_update(rows, list(fields), batch_size=500)
        return
    meta = model._meta
    rows = sorted(rows, key=lambda row: row.pk)
    columns = [meta.pk, *(meta.get_field(name) for name in fields)]
    sql = _statement(model, "update", tuple(field.attname for field in columns))
    with prepared_cursor() as cursor:
        cursor.execute(sql, [_column(field, rows) for field in columns])


_STATEMENTS: dict[tuple, str] = {}


def _statement(model: type[models.Model], verb: str, attnames: tuple[str, ...]) -> str:
    key = (model, verb, attnames)
    if key not in _STATEMENTS:
        quote = connection.ops.quote_name
        fields = [model._meta.get_field(name) for name in attnames]
        columns = [quote(field.column) for field in fields]
        arrays = ", ".join(f"%s::{_db_type(field)}[]" for field in fields)
        table = quote(model._meta.db_table)
        if verb == "insert":
            pk = quote(model._meta.pk.column)
            sql = f"INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM unnest({arrays}) RETURNING {pk}"
        else:
            pk, *rest = columns
            assignments = ", ".join(f"{column} = new.{column}" for column in rest)
            sql = f"UPDATE {table} SET {assignments} FROM unnest({arrays}) AS new ({', '.join(columns)}) "
            sql += f"WHERE {table}.{pk} = new.{pk}"
        _STATEMENTS[key] = sql
    return _STATEMENTS[key]


def _db_type(field: models.Field) -> str:
    return field.target_field.rel_db_type(connection) if field.is_relation else field.db_type(connection)


# Values psycopg dumps as they are (each array takes the type of its cast); anything else goes through the
# field's own preparation. A choice (a str enum) is sent as its value, a JSON value as its text.
_PLAIN = (int, str, bool, datetime, Decimal, uuid.UUID)


def _column(field: models.Field, rows: Sequence[models.Model]) -> list:
    values = [getattr(row, field.attname) for row in rows]
    if isinstance(field, models.JSONField):
        return [None if value is None else json.dumps(value, cls=field.encoder) for value in values]
    if isinstance(field, models.CharField | models.TextField):
        return [value if value is None or type(value) is str else str(value) for value in values]
    if all(value is None or type(value) in _PLAIN for value in values):
        return values
    return [field.get_db_prep_save(value, connection) for value in values]


def copy_rows(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Insert ``rows``, each the values of ``fields`` (attribute names: ``job_id``, not ``job``; JSON fields as
    Python values), without reading their ids back. No model is built on PostgreSQL."""
    columns = [model._meta.get_field(name) for name in fields]
    if connection.vendor != "postgresql":
        instances = [model(**dict(zip(fields, row, strict=True))) for row in rows]
        model.objects.bulk_create(instances, batch_size=1000)
        return
    quote = connection.ops.quote_name
    sql = f"COPY {quote(model._meta.db_table)} ({', '.join(quote(field.column) for field in columns)}) FROM STDIN"
    encoders = [
        (lambda value, encoder=field.encoder: json.dumps(value, cls=encoder))
        if isinstance(field, models.JSONField)
        else None
        for field in columns
    ]
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(
                [value if encode is None else encode(value) for value, encode in zip(row, encoders, strict=True)]
            )
