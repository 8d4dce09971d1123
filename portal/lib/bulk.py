"""Many rows in one statement, each column sent as one array parameter and spread with `unnest`.

Django's bulk_update builds a CASE WHEN per row and field, and bulk_create one placeholder per value; for a
fleet's worth of rows the client-side handling of tens of thousands of placeholders costs more than the
database work. Here a batch is a handful of parameters whatever its size. Values go through each field's
own preparation and are cast to the column's type.
"""

import json
from datetime import datetime

from django.db import connection, models


def bulk_update_rows(objects: list, fields: list[str]) -> int:
    """`UPDATE t SET f = v.f FROM unnest(…) v WHERE t.pk = v.pk` for the given fields of `objects`."""
    if not objects:
        return 0
    meta = objects[0]._meta
    columns = [meta.pk, *(meta.get_field(name) for name in fields)]
    quote = connection.ops.quote_name
    sets = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in columns[1:])
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    sql = (
        f"UPDATE {table} SET {sets} FROM {_unnest(columns)} AS v({_names(columns)}) "  # noqa: S608
        f"WHERE {table}.{pk} = v.{pk}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, _arrays(columns, objects))
    return len(objects)


def bulk_insert_rows(objects: list, fields: list[str]) -> None:
    """INSERT of `objects` (fields given by name); sets each object's primary key from the database."""
    if not objects:
        return
    meta = objects[0]._meta
    columns = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({_names(columns)}) "  # noqa: S608
        f"SELECT {_names(columns)} FROM {_unnest(columns)} WITH ORDINALITY AS v({_names(columns)}, n) "
        f"ORDER BY n RETURNING {quote(meta.pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, _arrays(columns, objects))
        for obj, (pk,) in zip(objects, cursor.fetchall(), strict=True):
            obj.pk = pk
            obj._state.adding = False


def _unnest(columns) -> str:
    return "unnest(" + ", ".join(_array(field) for field in columns) + ")"


PLAIN_FIELDS = (
    models.IntegerField,
    models.BooleanField,
    models.CharField,
    models.TextField,
    models.ForeignKey,
    models.DateTimeField,
    models.FloatField,
    models.AutoField,
)
PLAIN_VALUES = (int, str, float, datetime)

# A JSON column goes as one JSON array: psycopg escapes a text[] element by element, which is slow.
_JSON_ARRAY = (
    "ARRAY(SELECT NULLIF(e, 'null') FROM jsonb_array_elements(%s::jsonb) WITH ORDINALITY AS j(e, n) ORDER BY n)"
)


def _array(field) -> str:
    return _JSON_ARRAY if isinstance(field, models.JSONField) else f"%s::{field.db_type(connection)}[]"


def _names(columns) -> str:
    return ", ".join(connection.ops.quote_name(field.column) for field in columns)


def _arrays(columns, objects) -> list:
    return [_column(field, [getattr(obj, field.attname) for obj in objects]) for field in columns]


def _column(field, values: list):
    if isinstance(field, models.JSONField):
        return json.dumps(values, cls=field.encoder)
    if isinstance(field, PLAIN_FIELDS):  # values the driver sends as they are: skip per-value preparation
        return [
            value if value is None or isinstance(value, PLAIN_VALUES) else field.get_db_prep_save(value, connection)
            for value in values
        ]
    return [field.get_db_prep_save(value, connection) for value in values]
