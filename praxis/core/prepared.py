"""Queries compiled once: the lookups every request makes (issue 10 point 11).

On this stack building and compiling an ORM query costs about a millisecond of Python — five to ten times
what PostgreSQL needs to answer a primary-key lookup. A request of a logged-in member makes three or four
such lookups before its own work starts (the session, the user or the API token, the membership). A
`Prepared` query is still written in the ORM, in one place, but compiled once: the first call builds the
queryset from marker values, compiles it and remembers the SQL, where each parameter goes, and how rows
become instances. Every later call only binds the real values, runs the SQL through Django's cursor (so
query counting, logging and execute wrappers see it as before) and builds the instances the way Django's
`ModelIterable` does — `select_related` and `FilteredRelation` joins included.

What a build function may do: filter, join, annotate, order and slice with its parameters as plain lookup
values (`pk=user_id`, `slug=slug`, `expire_date__gt=now`). A lookup that rewrites its value (`icontains`
wraps it in `%…%`, `in` takes a list) cannot be carried and is refused at the first call, loudly. Anything
else the function reads is frozen at that first call, so it must not depend on the request, the clock or
the active workspace. The build runs with scopes disabled: use `Prepared` for lookups that are not a
workspace's data or that filter the workspace explicitly (the membership of this user in this workspace).

Compiled SQL is kept per thread and database connection (a compiler holds its connection, and gunicorn
serves with threads), so each worker thread compiles a query once. On PostgreSQL the statement is also
prepared on the server (`_cursor`), so it is parsed and planned once per connection too.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, get_related_populators  # type: ignore[attr-defined]
from django_scopes import scopes_disabled

M = TypeVar("M", bound=Model)

_INT_MARK = 1_987_654_300  # inside a 32-bit column's range: Django drops out-of-range integer lookups
_TEXT_MARK = "\x1fprepared-parameter-{}\x1f"
_TIME_MARK = dt.datetime(1903, 2, 3, 4, 5, 6, tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True)
class _Compiled:
    """What running the query again needs: its SQL, where each parameter goes, how rows become objects."""

    connection: Any  # the thread's DatabaseWrapper the SQL was compiled for
    sql: str
    params: list[Any]  # the compiled parameters, the markers among them
    slots: list[str | None]  # per parameter: the name of the value that replaces it, or None (a constant)
    adapters: list[Callable[[Any], Any]]
    compiler: Any  # the SQLCompiler: its converters and connection
    model: type[Model]
    start: int
    end: int
    init_list: list[str]
    populators: list[Any]
    converters: dict[int, Any]
    annotations: list[tuple[str, int]]


class Prepared(Generic[M]):
    """A queryset built by `build(**params)`, compiled once; call it with the same keyword parameters.

    `Prepared(lambda *, user_id: User.objects.filter(pk=user_id), user_id=int)` — each parameter is named
    with its type: `int`, `str` or `datetime.datetime` (adapted for the database as a `DateTimeField` is).
    """

    def __init__(self, build: Callable[..., QuerySet[M]], /, **parameters: type) -> None:
        for name, kind in parameters.items():
            if kind not in (int, str, dt.datetime):
                raise TypeError(f"Prepared parameter {name!r}: int, str or datetime, not {kind!r}")
        self.build = build
        self.parameters = parameters
        self._local = threading.local()

    def __call__(self, **values: Any) -> list[M]:
        compiled = self._compiled()
        params = [constant if slot is None else adapt(values[slot])
                  for constant, slot, adapt in zip(compiled.params, compiled.slots, compiled.adapters, strict=True)]
        with _cursor(compiled.connection) as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if compiled.converters:
            rows = list(compiled.compiler.apply_converters(rows, compiled.converters))
        return [self._instance(compiled, row) for row in rows]

    def first(self, **values: Any) -> M | None:
        """The first instance, or None (the build function slices: `[:1]`)."""
        found = self(**values)
        return found[0] if found else None

    @staticmethod
    def _instance(compiled: _Compiled, row) -> Any:
        obj = compiled.model.from_db(compiled.connection.alias, compiled.init_list, row[compiled.start:compiled.end])
        for populator in compiled.populators:
            populator.populate(row, obj)
        for name, position in compiled.annotations:
            setattr(obj, name, row[position])
        return obj

    def _compiled(self) -> _Compiled:
        cache = self._local.__dict__
        queryset_alias = cache.get("alias")
        if queryset_alias is not None:
            compiled = cache.get("compiled")
            # The thread's connection object stays the same across requests; compile again if it did not.
            if compiled is not None and compiled.connection is connections[queryset_alias]:
                return compiled
        compiled = self._compile()
        cache["alias"], cache["compiled"] = compiled.connection.alias, compiled
        return compiled

    def _markers(self) -> dict[str, Any]:
        markers: dict[str, Any] = {}
        for index, (name, kind) in enumerate(self.parameters.items()):
            if kind is int:
                markers[name] = _INT_MARK + index
            elif kind is str:
                markers[name] = _TEXT_MARK.format(index)
            else:
                markers[name] = _TIME_MARK + dt.timedelta(microseconds=index)
        return markers

    def _compile(self) -> _Compiled:
        markers = self._markers()
        with scopes_disabled():
            queryset = self.build(**markers)
        state: Any = queryset  # the queryset's private state, which its public API does not tell
        if (state._iterable_class is not ModelIterable or state._prefetch_related_lookups
                or state._known_related_objects):
            raise TypeError("Prepared runs model querysets without prefetch_related or related-manager caching")
        connection = connections[queryset.db]
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()  # also sets select, klass_info, annotation_col_map
        adapters = {name: self._adapter(kind, connection) for name, kind in self.parameters.items()}
        by_value = {adapters[name](marker): name for name, marker in markers.items()}
        slots = [by_value.get(value) if isinstance(value, int | str | dt.datetime) else None for value in params]
        for name in self.parameters:
            if slots.count(name) != 1:
                raise ValueError(f"Prepared parameter {name!r} appears {slots.count(name)} times as a plain "
                                 f"value in the SQL (a lookup that rewrites its value cannot be carried)")
        klass_info, select = compiler.klass_info, compiler.select
        select_fields = klass_info["select_fields"]
        start, end = select_fields[0], select_fields[-1] + 1
        return _Compiled(
            connection=connection, sql=sql, params=list(params), slots=slots,
            adapters=[adapters[slot] if slot is not None else _identity for slot in slots],
            compiler=compiler, model=klass_info["model"], start=start, end=end,
            init_list=[column[0].target.attname for column in select[start:end]],
            populators=get_related_populators(klass_info, select, connection.alias),
            converters=compiler.get_converters([column[0] for column in select[:compiler.col_count]]),
            annotations=list((compiler.annotation_col_map or {}).items()),
        )
    @staticmethod
    def _adapter(kind: type, connection) -> Callable[[Any], Any]:
        if kind is dt.datetime:
            return connection.ops.adapt_datetimefield_value
        return _identity


def _identity(value: Any) -> Any:
    return value


def _cursor(connection):
    """Django's cursor (execute wrappers, query logging and counting as for any query); on PostgreSQL
    one that binds parameters on the server and prepares the statement, so PostgreSQL parses and plans
    a prepared lookup once per connection (`settings.PRAXIS_PREPARED_STATEMENTS`).

    Django leaves psycopg's automatic preparation off (`prepare_threshold=None`) so that connection
    poolers in transaction mode keep working; these few fixed-shape lookups — an equality on a key, the
    plan the same for every value — are prepared explicitly instead. A deployment behind such a pooler
    (PgBouncer before 1.21, or without `max_prepared_statements`) sets `PRAXIS_PREPARED_STATEMENTS=0`."""
    if connection.vendor != "postgresql" or not settings.PRAXIS_PREPARED_STATEMENTS or connection.queries_logged:
        # A logged connection (DEBUG, a query-count test) records each statement with its values, which
        # Django cannot render for a prepared one: it runs the same SQL unprepared.
        return connection.cursor()
    # `BaseDatabaseWrapper._cursor`, with this cursor class in place of the connection's default one.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:  # None refuses even an explicit `prepare=True`
        raw.prepare_threshold = _NEVER_BY_ITSELF
    with connection.wrap_database_errors:
        return connection._prepare_cursor(_preparing_cursor_class()(raw))


_NEVER_BY_ITSELF = 2**31 - 1  # psycopg prepares a statement only when asked: no other query of Django's


@functools.cache
def _preparing_cursor_class():
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparingCursor(ServerBindingCursor):
        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True if prepare is None else prepare, binary=binary)

    return PreparingCursor
