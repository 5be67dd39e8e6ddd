"""Which exceptions mean "the database cannot serve now" (a 503 problem, never a 500).

A PostgreSQL restart, a dropped connection, a pool with no free connection in time or a SQLite
database locked past its busy timeout surface as many exception types (SQLAlchemy's
``OperationalError``, ``InterfaceError``, ``TimeoutError``, a ``DBAPIError`` wrapping asyncpg's
``CannotConnectNowError``, ``InternalError`` "another operation is in progress" on a connection
broken mid-statement, or a raw ``ConnectionRefusedError``). :func:`database_unavailable` tells
them apart from programming errors by type, by SQLSTATE class (08 connection exception, 53
insufficient resources, 57 operator intervention) and along the exception's cause chain. The app
factory's last-resort handler answers them 503 ``database-unavailable`` with ``Retry-After``.
"""

from __future__ import annotations

UNAVAILABLE_SQLSTATE_CLASSES = frozenset({"08", "53", "57"})
RETRY_AFTER_SECONDS = 2


def _one(exc: BaseException) -> bool:
    from sqlalchemy import exc as sa

    if isinstance(exc, sa.TimeoutError):  # no pooled connection free in time
        return True
    if isinstance(exc, sa.DBAPIError):
        if exc.connection_invalidated or isinstance(exc, sa.OperationalError | sa.InterfaceError):
            return True
    if isinstance(exc, OSError | ConnectionError):  # refused, reset, unreachable
        return True
    sqlstate = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
    if isinstance(sqlstate, str) and sqlstate[:2] in UNAVAILABLE_SQLSTATE_CLASSES:
        return True
    try:
        import asyncpg
    except ImportError:  # pragma: no cover - asyncpg is a dependency of libs
        return False
    # InternalClientError: "cannot switch to state ...; another operation is in progress" on a
    # pooled connection the server dropped mid-statement
    return isinstance(
        exc, asyncpg.PostgresConnectionError | asyncpg.InterfaceError | asyncpg.InternalClientError
    )


UNSTORABLE_TEXT_SQLSTATES = frozenset({"22021", "22P05"})  # character not in repertoire, untranslatable


def unstorable_text(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) is PostgreSQL refusing a character it cannot store (NUL):
    input that no field type stopped, answered 422 rather than 500 by the last-resort handler."""
    for current in _chain(exc):
        sqlstate = getattr(current, "sqlstate", None) or getattr(current, "pgcode", None)
        if sqlstate in UNSTORABLE_TEXT_SQLSTATES:
            return True
    return False


def _chain(exc: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        out.append(current)
        orig = getattr(current, "orig", None)
        if isinstance(orig, BaseException) and id(orig) not in seen:
            seen.add(id(orig))
            out.append(orig)
        current = current.__cause__ or current.__context__
    return out


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) says the database cannot serve now."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if _one(current):
            return True
        orig = getattr(current, "orig", None)
        if isinstance(orig, BaseException) and id(orig) not in seen and _one(orig):
            return True
        current = current.__cause__ or current.__context__
    return False
