"""Pagination: a clamped limit, a stable order, one response envelope.

Offset paging (``limit``/``offset``) suits short lists; keyset cursors (``cursor``) suit large,
append-heavy ones: the cursor is an opaque token holding the sort key of the last row returned.
"""

from __future__ import annotations

import base64
import json
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, Field

from hanke_libs.problems import BadRequest

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class Page(BaseModel, Generic[T]):
    """One page of a list. ``next_cursor`` (keyset lists) or ``next_offset`` (offset lists) is
    null on the last page."""

    items: list[T]
    limit: int
    offset: int | None = None
    total: int | None = Field(default=None, description="Number of matching items, where cheap to count")
    next_offset: int | None = None
    next_cursor: str | None = None


class PageParams(BaseModel):
    limit: int
    offset: int
    cursor: str | None


def page_params(
    limit: Annotated[int, Query(ge=1, description=f"Items per page; values over {MAX_LIMIT} are clamped")] = (
        DEFAULT_LIMIT
    ),
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    cursor: Annotated[str | None, Query(max_length=500, description="Opaque keyset cursor")] = None,
) -> PageParams:
    return PageParams(limit=min(limit, MAX_LIMIT), offset=offset, cursor=cursor)


PageDep = Annotated[PageParams, Depends(page_params)]


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps(values, default=str, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest("The cursor is not valid; start again without one.", slug="invalid-cursor") from exc
    if not isinstance(values, list):
        raise BadRequest("The cursor is not valid; start again without one.", slug="invalid-cursor")
    return values


def cursor_after_id(params: PageParams) -> int | None:
    """The id a keyset-by-id list continues after (None on the first page); 400 on a bad cursor."""
    if not params.cursor:
        return None
    values = decode_cursor(params.cursor)
    if len(values) != 1 or not isinstance(values[0], int):
        raise BadRequest("The cursor is not valid; start again without one.", slug="invalid-cursor")
    return values[0]


def offset_page(items: list[T], params: PageParams, total: int | None = None) -> Page[T]:
    """A page from ``limit + 1`` fetched rows (the extra row only tells whether more exist)."""
    more = len(items) > params.limit
    items = items[: params.limit]
    return Page[T](
        items=items,
        limit=params.limit,
        offset=params.offset,
        total=total,
        next_offset=params.offset + params.limit if more else None,
    )


def keyset_page(items: list[T], params: PageParams, key: Any) -> Page[T]:
    """A page from ``limit + 1`` rows fetched after the cursor; ``key(item)`` gives its sort key list."""
    more = len(items) > params.limit
    items = items[: params.limit]
    return Page[T](
        items=items,
        limit=params.limit,
        next_cursor=encode_cursor(key(items[-1])) if more and items else None,
    )
