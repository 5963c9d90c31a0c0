"""The locked read every single append starts with: one SQL statement, written once.

The ORM spent more CPU compiling this read (two joins, two subqueries, FOR UPDATE OF) than
PostgreSQL spent answering it, on every append. The statement, the columns it reads and how
each value is converted are worked out once per database connection; the instances are built
with Model.from_db and linked to each other as select_related links them.
"""

import threading
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Field

from passports.models import Passport, PassportHead, SigningKey


@dataclass(frozen=True)
class _Column:
    """One selected column and the converters the ORM would apply to its value."""

    field: Field
    converters: tuple[Callable, ...]
    expression: object


@dataclass(frozen=True)
class _Statement:
    """The locked read for one connection: its SQL, and the columns in the order selected."""

    sql: str
    head: tuple[_Column, ...]
    passport: tuple[_Column, ...]
    successor_id: _Column
    seen_hash: _Column
    actor_kid: _Column

    @property
    def hash_index(self) -> int:
        """Where the locked head row's hash is in a row."""
        return [c.field.name for c in self.head].index("hash")

    @property
    def seen_hash_index(self) -> int:
        """Where the hash the statement's snapshot saw is in a row."""
        return len(self.head) + len(self.passport) + 1


_statements: "weakref.WeakKeyDictionary[object, _Statement]" = weakref.WeakKeyDictionary()
_building = threading.Lock()


def passport_locked(*, passport_id: uuid.UUID, actor_id: uuid.UUID) -> Passport:
    """The passport with its head row locked, and what an append needs in the same round trip.

    Its head (seq, hash, health) and successor (if any, its id only) are joined; `actor_kid` is
    the poster's active key id (None if it has none). Only the narrow head row is locked: every
    append takes that lock, so the passport's state cannot move while it is held, and the
    wide row is neither locked nor rewritten. Raises Passport.DoesNotExist.
    """
    statement = _statement()
    params = [
        SigningKey._meta.get_field("organisation").get_db_prep_value(actor_id, connection),
        PassportHead._meta.pk.get_db_prep_value(passport_id, connection),
    ]
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, params)
        row = cursor.fetchone()
        if row is not None and row[statement.seen_hash_index] != row[statement.hash_index]:
            # Another append committed while this one waited for the lock: the locked head
            # row is its newest version, but the joined passport row (status, holder,
            # successor) is the one the statement's snapshot saw. Read again: the lock is ours.
            cursor.execute(statement.sql, params)
            row = cursor.fetchone()
    if row is None:
        raise Passport.DoesNotExist
    return _instances(statement, row)


def _instances(statement: _Statement, row: tuple) -> Passport:
    values = iter(row)
    head = _built(PassportHead, statement.head, values)
    passport = _built(Passport, statement.passport, values)
    successor_id = _value(statement.successor_id, next(values))
    next(values)  # seen_hash, compared above
    passport.actor_kid = _value(statement.actor_kid, next(values))
    return passport_linked(head, passport, successor_id, connection.alias)


def passport_linked(head, passport: Passport, successor_id, alias: str) -> Passport:
    """Caches a locked read's instances on each other, as select_related("passport",
    "passport__successor") would: passport.head, head.passport, and the successor (by id
    only) or None, so that `hasattr(passport, "successor")` asks no query."""
    PassportHead._meta.get_field("passport").set_cached_value(head, passport)
    Passport._meta.get_field("head").set_cached_value(passport, head)
    successor = None
    if successor_id is not None:
        successor = Passport.from_db(alias, ["id"], [successor_id])
        Passport._meta.get_field("predecessor").set_cached_value(successor, passport)
    Passport._meta.get_field("successor").set_cached_value(passport, successor)
    return passport


def _built(model, columns: tuple[_Column, ...], values) -> object:
    converted = [_value(column, next(values)) for column in columns]
    return model.from_db(connection.alias, [c.field.attname for c in columns], converted)


def _value(column: _Column, value):
    for converter in column.converters:
        value = converter(value, column.expression, connection)
    return value


def _statement() -> _Statement:
    wrapper = connections[DEFAULT_DB_ALIAS]  # this thread's connection object
    statement = _statements.get(wrapper)
    if statement is None:
        with _building:
            statement = _statements[wrapper] = _statement_build()
    return statement


def _column(field: Field, alias: str) -> _Column:
    expression = field.get_col(alias)
    converters = connection.ops.get_db_converters(expression) + expression.get_db_converters(
        connection
    )
    return _Column(field, tuple(converters), expression)


def _statement_build() -> _Statement:
    quote = connection.ops.quote_name
    head_table, passport_table = (quote(m._meta.db_table) for m in (PassportHead, Passport))
    key_table = quote(SigningKey._meta.db_table)
    head = tuple(_column(f, "h") for f in PassportHead._meta.concrete_fields)
    passport = tuple(_column(f, "p") for f in Passport._meta.concrete_fields)
    head_pk = quote(PassportHead._meta.pk.column)
    passport_pk = quote(Passport._meta.pk.column)
    predecessor = quote(Passport._meta.get_field("predecessor").column)
    key = SigningKey._meta
    key_organisation = quote(key.get_field("organisation").column)
    selected = [f"h.{quote(c.field.column)}" for c in head]
    selected += [f"p.{quote(c.field.column)}" for c in passport]
    selected += [
        f"s.{passport_pk}",
        f"(SELECT v.{quote('hash')} FROM {head_table} v WHERE v.{head_pk} = h.{head_pk})",
        # One active key per organisation (a constraint): no order is needed to pick it.
        f"(SELECT k.{quote(key.pk.column)} FROM {key_table} k WHERE k.{key_organisation} = %s "
        f"AND k.{quote(key.get_field('valid_until').column)} IS NULL LIMIT 1)",
    ]
    sql = (
        f"SELECT {', '.join(selected)} FROM {head_table} h "
        f"INNER JOIN {passport_table} p ON h.{head_pk} = p.{passport_pk} "
        f"LEFT OUTER JOIN {passport_table} s ON s.{predecessor} = p.{passport_pk} "
        f"WHERE h.{head_pk} = %s"
    )
    if connection.features.has_select_for_update_of:
        sql += " FOR UPDATE OF h"
    elif connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    # SQLite has neither: it takes the database's write lock at the transaction's first write,
    # as the ORM's select_for_update does there (it drops the clause).
    return _Statement(
        sql=sql,
        head=head,
        passport=passport,
        successor_id=_column(Passport._meta.pk, "s"),
        seen_hash=_column(PassportHead._meta.get_field("hash"), "v"),
        actor_kid=_column(key.pk, "k"),
    )
