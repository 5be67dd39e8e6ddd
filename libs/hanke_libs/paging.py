"""Pagination: a clamped limit, a stable order, one response envelope.

Offset paging (``limit``/``offset``) suits short lists; keyset cursors (``cursor``) suit large,
append-heavy ones: the cursor is an opaque token holding the sort key of the last row returned.
A page that is not the last has ``next``: the link to the next page with the same query, made by
:func:`hanke_libs.links.public_url` (through the gateway, never from the Host header).

Every bad paging input is a 4xx problem, never a 500: ``limit`` < 1, a negative or huge ``offset``
or a cursor over 500 characters → 422; a cursor that is not ours (not base64 JSON, wrong shape or
types, a number outside the column's range such as ``[10**30]``, a boolean for an id) → 400
``invalid-cursor``. Ids in cursors are bounded to the 64-bit signed range (``max_id`` narrows it for
INTEGER columns), so nothing out of range ever reaches the database driver.

Example (keyset by id, and by a timestamp then id)::

    @router.get("/projects/{code}/costs", response_model=Page[CostEntryPublic])
    async def list_entries(code: Code, page: PageDep, session: SessionDep) -> Page[CostEntryPublic]:
        after_id = cursor_after_id(page)                      # None on the first page
        rows = await ledger.list_after(session=session, after_id=after_id, limit=page.limit + 1)
        return keyset_page(rows, page, key=lambda e: [e.id])

    after = cursor_values(page, dt.datetime, CursorInt())      # (occurred_at, id) or None
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar
from urllib.parse import urlencode

from fastapi import Depends, Query, Request
from pydantic import BaseModel, Field

from hanke_libs.links import public_url
from hanke_libs.problems import BadRequest
from hanke_libs.settings import AppSettings

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_OFFSET = 10_000_000
MAX_CURSOR_LENGTH = 500
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


class Page(BaseModel, Generic[T]):
    """One page of a list. ``next_cursor`` (keyset lists) or ``next_offset`` (offset lists) is
    null on the last page."""

    items: list[T]
    limit: int
    offset: int | None = None
    total: int | None = Field(default=None, description="Number of matching items, where cheap to count")
    next_offset: int | None = None
    next_cursor: str | None = None
    next: str | None = Field(
        default=None, description="Link to the next page through the gateway; null on the last page"
    )


class PageParams(BaseModel):
    limit: int
    offset: int
    cursor: str | None
    # The list's public link (hanke_libs.links) and its query, for the next page's link.
    link: str | None = None
    query: list[tuple[str, str]] = Field(default_factory=list)

    def next_link(self, **position: str | int) -> str | None:
        """The link to this list with ``position`` (``offset=...`` or ``cursor=...``) replacing
        the current one; None when the list's link is not known."""
        if self.link is None:
            return None
        kept = [(k, v) for k, v in self.query if k not in ("offset", "cursor")]
        return self.link + "?" + urlencode([*kept, *((k, str(v)) for k, v in position.items())])


async def page_params(
    request: Request,
    limit: Annotated[int, Query(ge=1, description=f"Items per page; values over {MAX_LIMIT} are clamped")] = (
        DEFAULT_LIMIT
    ),
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    cursor: Annotated[
        str | None, Query(max_length=MAX_CURSOR_LENGTH, description="Opaque keyset cursor")
    ] = None,
) -> PageParams:
    settings = getattr(request.app.state, "settings", None)
    link = public_url(settings, request.url.path) if isinstance(settings, AppSettings) else None
    query = list(request.query_params.multi_items())
    return PageParams(limit=min(limit, MAX_LIMIT), offset=offset, cursor=cursor, link=link, query=query)


PageDep = Annotated[PageParams, Depends(page_params)]


def encode_cursor(values: list[Any]) -> str:
    """An opaque cursor holding ``values`` (dates and datetimes as ISO strings)."""
    raw = json.dumps(values, default=_iso, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _iso(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else str(value)


def _invalid() -> BadRequest:
    return BadRequest("The cursor is not valid; start again without one.", slug="invalid-cursor")


def decode_cursor(cursor: str) -> list[Any]:
    """The JSON list inside a cursor; 400 ``invalid-cursor`` when it is not one. Check the items'
    types before use (or use :func:`cursor_values`, which does)."""
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise _invalid()
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise _invalid() from exc
    if not isinstance(values, list):
        raise _invalid()
    return values


@dataclass(frozen=True)
class CursorInt:
    """An integer item of a cursor, within ``[min, max]`` (booleans and floats never pass)."""

    min: int = 0
    max: int = INT64_MAX


CursorField = CursorInt | type[int] | type[str] | type[dt.date] | type[dt.datetime]


def _field(value: Any, kind: CursorField) -> Any:
    if kind is int:
        kind = CursorInt(min=INT64_MIN)
    if isinstance(kind, CursorInt):
        if isinstance(value, int) and not isinstance(value, bool) and kind.min <= value <= kind.max:
            return value
        raise _invalid()
    if kind is str:
        if isinstance(value, str) and len(value) <= MAX_CURSOR_LENGTH:
            return value
        raise _invalid()
    if not isinstance(value, str):
        raise _invalid()
    try:
        if kind is dt.datetime:
            parsed = dt.datetime.fromisoformat(value)
            return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)
        if kind is dt.date:
            return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise _invalid() from exc
    raise TypeError(f"unsupported cursor field type {kind!r}")


def cursor_values(params: PageParams | str | None, *fields: CursorField) -> tuple[Any, ...] | None:
    """The typed sort key a keyset list continues after (None on the first page); 400 unless the
    cursor holds exactly ``len(fields)`` items of the given kinds.

    ``fields`` are ``CursorInt(min, max)`` (``int`` means the whole 64-bit signed range), ``str``,
    ``dt.date`` or ``dt.datetime`` (aware; a naive one is read as UTC).
    """
    cursor = params.cursor if isinstance(params, PageParams) else params
    if not cursor:
        return None
    values = decode_cursor(cursor)
    if len(values) != len(fields):
        raise _invalid()
    return tuple(_field(v, f) for v, f in zip(values, fields, strict=True))


def cursor_after_id(params: PageParams, *, max_id: int = INT64_MAX) -> int | None:
    """The id a keyset-by-id list continues after (None on the first page); 400 on a bad cursor.

    The id must be a whole number in ``0..max_id`` (2**63-1 for BIGINT ids; pass ``2**31-1`` for an
    INTEGER id column), so an id the database cannot compare with never reaches it.
    """
    values = cursor_values(params, CursorInt(min=0, max=max_id))
    return None if values is None else int(values[0])


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
        next=params.next_link(offset=params.offset + params.limit) if more else None,
    )


def keyset_page(items: list[T], params: PageParams, key: Any) -> Page[T]:
    """A page from ``limit + 1`` rows fetched after the cursor; ``key(item)`` gives its sort key list."""
    more = len(items) > params.limit
    items = items[: params.limit]
    cursor = encode_cursor(key(items[-1])) if more and items else None
    return Page[T](
        items=items,
        limit=params.limit,
        next_cursor=cursor,
        next=params.next_link(cursor=cursor) if cursor else None,
    )
