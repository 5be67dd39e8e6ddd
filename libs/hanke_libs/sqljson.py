"""Child rows as one JSON column of their parent's row, on PostgreSQL and SQLite alike.

A hot read (``hanke_libs.fastread``) that returns a resource with its children reads them in the
same statement as the parent, as a correlated scalar subquery whose value is a JSON array:

    parts = select(json_rows(code=s.c.code, share_bp=s.c.share_bp)).where(s.c.project_id == p.c.id)
    stmt = select(*p.c, parts.scalar_subquery().label("sources")).where(p.c.code == bindparam("code"))

:func:`json_rows` compiles to ``coalesce(json_agg(json_build_object(...)), '[]')`` on PostgreSQL and
``json_group_array(json_object(...))`` on SQLite. The array's order is not defined (SQLite has no
ordered aggregate before 3.44): sort the decoded rows in Python. Values arrive as JSON values:
text and integers as they are, while dates, times and decimals become strings or numbers, so turn
them back into their column types where the body needs them (``from_cents`` for ``Cents``).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import JSON, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

_KEY = re.compile(r"[a-z_][a-z0-9_]*")


class json_rows(FunctionElement[Any]):
    """The aggregated rows as a JSON array of objects, one key per keyword argument."""

    type = JSON()
    name = "json_rows"
    inherit_cache = True

    def __init__(self, **columns: Any) -> None:
        args: list[Any] = []
        for key, column in columns.items():
            if not _KEY.fullmatch(key):
                raise ValueError(f"json_rows key {key!r} is not a lower-case identifier")
            args += [literal_column(f"'{key}'"), column]
        super().__init__(*args)


@compiles(json_rows, "postgresql")
def _postgresql(element: json_rows, compiler: Any, **kw: Any) -> str:
    return f"coalesce(json_agg(json_build_object({compiler.process(element.clauses, **kw)})), '[]'::json)"


@compiles(json_rows, "sqlite")
def _sqlite(element: json_rows, compiler: Any, **kw: Any) -> str:
    return f"json_group_array(json_object({compiler.process(element.clauses, **kw)}))"
