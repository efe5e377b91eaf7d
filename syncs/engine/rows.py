"""The engine's per-record rows (a page's intents, audit rows, id map), written with prepared statements,
and its per-page lookups and updates by plain column values (`rows_select`, `rows_update`).

Why not `bulk_create`/`bulk_update`: per row and field the ORM resolves expressions, runs `pre_save` and
assembles placeholders, and `bulk_update` builds a CASE WHEN per field and row; on pages of 100 records
that was a third of the engine thread's time (benchmarks/README.md). Here each statement is built once
per model and column list and run for every row (`executemany`), and each value is still prepared by its
own field (`get_db_prep_save`: the Fernet encryption of an intent's payload, JSON adaptation, datetimes),
so what is stored is what the ORM would have stored. Only plain `str` values of plain char/text columns
skip the field, because it would hand them back unchanged.

The lookups are for the same reason: a queryset filtering on a page's 100 source ids spent about ten times
longer compiling its IN list than the database took to answer it. They take column = value filters only
(a list or set: IN), with plain values (str, int, or what the column's field prepares).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Callable, Iterable, Sequence

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.utils import timezone

from mlconnector.fields import EncryptedMixin

_UNSET = object()


def _plain_type(field: models.Field) -> type | None:
    """The Python type whose values the field hands back unchanged (a str to a char column, an int id)."""
    if type(field) in (models.CharField, models.TextField):
        return str
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    if isinstance(target, models.IntegerField):  # AutoField and the positive ones too
        return int
    return None


def _preparer(field: models.Field, conn) -> Callable:
    """The column's value as the field would send it. Values repeated across the rows of a statement (the
    page's timestamp, its mapping description) are prepared once; never an encrypted one: each value
    gets its own token."""
    prep, plain = field.get_db_prep_save, _plain_type(field)
    if isinstance(field, EncryptedMixin):
        return lambda value: None if value is None else prep(value, conn)
    none_is_null = not isinstance(field, models.JSONField)  # a JSON field stores None as JSON null
    last = [_UNSET, None]

    def prepare(value):
        if value.__class__ is plain or (value is None and none_is_null):
            return value
        if value is not last[0]:
            last[0], last[1] = value, prep(value, conn)
        return last[1]
    return prepare


@lru_cache(maxsize=64)
def _fields(model: type[models.Model], names: tuple[str, ...]) -> list[models.Field]:
    return [model._meta.get_field(name) for name in names]


def _statement_parts(model, names) -> tuple:
    conn = connections[DEFAULT_DB_ALIAS]
    fields = _fields(model, tuple(names))
    quote = conn.ops.quote_name
    return conn, fields, quote(model._meta.db_table), [quote(f.column) for f in fields]


def _params(conn, fields, rows) -> list[list]:
    preps = [_preparer(f, conn) for f in fields]
    return [[prep(value) for prep, value in zip(preps, row)] for row in rows]


def rows_insert(model: type[models.Model], names: Sequence[str], rows: Iterable[Sequence]) -> None:
    """INSERT one row per tuple of values (in the order of `names`: field names; FKs take the id)."""
    conn, fields, table, columns = _statement_parts(model, names)
    params = _params(conn, fields, rows)
    if params:
        with conn.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                               f"({', '.join(['%s'] * len(columns))})", params)


def instances_insert(objs: Sequence[models.Model], names: Sequence[str]) -> None:
    """INSERT unsaved instances (their primary keys stay unset: callers find them by a unique key). The
    statement's auto_now/auto_now_add columns get one timestamp, as one statement is one moment."""
    if not objs:
        return
    fields = _fields(type(objs[0]), tuple(names))
    now = timezone.now()
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            for obj in objs:
                setattr(obj, f.attname, now)
    # The stored attribute, not the descriptor: an encrypted value is read as it is (plaintext or token).
    rows_insert(type(objs[0]), names, [[obj.__dict__.get(f.attname) for f in fields] for obj in objs])


def instances_update(objs: Sequence[models.Model], names: Sequence[str], *, by: str) -> None:
    """UPDATE the `names` columns of each instance, found by its unique column `by`."""
    if not objs:
        return
    conn, fields, table, columns = _statement_parts(type(objs[0]), [*names, by])
    sql = f"UPDATE {table} SET {', '.join(f'{c} = %s' for c in columns[:-1])} WHERE {columns[-1]} = %s"
    params = _params(conn, fields, [[obj.__dict__[f.attname] for f in fields] for obj in objs])
    with conn.cursor() as cursor:
        cursor.executemany(sql, params)


def rows_upsert(model: type[models.Model], names: Sequence[str], rows: Iterable[Sequence], *,
                unique: Sequence[str], update: Sequence[str]) -> None:
    """INSERT … ON CONFLICT (unique) DO UPDATE SET update = the new values (SQLite ≥ 3.24 and PostgreSQL)."""
    conn, fields, table, columns = _statement_parts(model, names)
    quote = conn.ops.quote_name
    conflict = ", ".join(quote(f.column) for f in _fields(model, tuple(unique)))
    updates = ", ".join(f"{quote(f.column)} = excluded.{quote(f.column)}" for f in _fields(model, tuple(update)))
    params = _params(conn, fields, rows)
    if params:
        with conn.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                               f"({', '.join(['%s'] * len(columns))}) ON CONFLICT ({conflict}) DO UPDATE SET {updates}",
                               params)


def _where(model, conn, filters: dict) -> tuple[str, list]:
    """`column = %s` (a list, tuple or set: `column IN (…)`) for each filter, ANDed; values prepared by their field."""
    clauses, params = [], []
    for name, value in filters.items():
        field = model._meta.get_field(name)
        column, prep = conn.ops.quote_name(field.column), _preparer(field, conn)
        if isinstance(value, (list, tuple, set, frozenset)):
            values = [prep(v) for v in value]
            if not values:
                return "1 = 0", []  # IN () matches nothing, and is not valid SQL
            clauses.append(f"{column} IN ({', '.join(['%s'] * len(values))})")
            params += values
        else:
            clauses.append(f"{column} = %s")
            params.append(prep(value))
    return " AND ".join(clauses) or "1 = 1", params


def rows_select(model: type[models.Model], names: Sequence[str], **filters) -> list[tuple]:
    """The `names` columns (as the database returns them: use it for text and integer columns) of the rows
    matching `filters`, e.g. `rows_select(IdMap, ("source_id",), integration=pk, source_id=ids)`."""
    conn, fields, table, columns = _statement_parts(model, names)
    where, params = _where(model, conn, filters)
    with conn.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE {where}", params)
        return cursor.fetchall()


def rows_update(model: type[models.Model], values: dict, *, increments: dict | None = None, **filters) -> int:
    """UPDATE the `values` columns (field name → value, prepared by the field) and add `increments` (field
    name → number) to theirs, in the rows matching `filters`; returns how many rows matched."""
    increments = increments or {}
    conn, fields, table, columns = _statement_parts(model, [*values, *increments])
    where, params = _where(model, conn, filters)
    assignments = [f"{c} = %s" for c in columns[:len(values)]] + [f"{c} = {c} + %s" for c in columns[len(values):]]
    prepared = _params(conn, fields[:len(values)], [values.values()])[0] + list(increments.values())
    with conn.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {', '.join(assignments)} WHERE {where}", prepared + params)
        return cursor.rowcount
