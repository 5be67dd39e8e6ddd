"""ETag / If-Match: one optimistic-concurrency discipline for every versioned resource.

A versioned resource has an integer ``version`` column (1 on create, +1 on every change). Its ETag is
the strong tag ``"v<version>"`` (:func:`version_etag`); a resource without a version column can use a
content hash (:func:`content_etag`). Every update and delete of a versioned resource requires
``If-Match``:

- missing → 428 ``if-match-required`` (GET the resource first and send its ETag),
- malformed (not RFC 9110 syntax) → 400 ``invalid-if-match``,
- stale (names no current ETag) → 412 ``stale-version`` with ``current_etag`` in the body.

``If-Match`` is compared strongly (RFC 9110 §13.1.1): a list of tags matches when one of them equals
the current ETag, ``*`` matches any current representation, and weak tags (``W/"v3"``) never match.

The version is checked in the UPDATE itself (:func:`update_versioned`,
``UPDATE … SET …, version = version + 1 WHERE id = :id AND version IN (:expected)``), so of two
concurrent edits sent with the same If-Match exactly one wins and the other gets 412: no check-then-
write window, on SQLite and PostgreSQL alike.

Example (a route, its service function holding the UPDATE)::

    from hanke_libs.etag import IfMatchDep, IF_MATCH_RESPONSES, set_etag, update_versioned

    @router.get("/things/{thing_id}")
    async def read_thing(thing_id: IdPath, session: SessionDep, response: Response) -> ThingPublic:
        thing = await things.get(session=session, thing_id=thing_id)
        set_etag(response, thing.version)                       # ETag: "v3"
        return ThingPublic.model_validate(thing)

    @router.patch("/things/{thing_id}", responses=IF_MATCH_RESPONSES)
    async def update_thing(
        thing_id: IdPath, data: ThingUpdate, if_match: IfMatchDep, session: SessionDep, response: Response
    ) -> ThingPublic:
        thing = await things.get(session=session, thing_id=thing_id)
        if_match.check(thing.version, label=f"Thing {thing_id}")   # optional early 412, no write
        await update_versioned(
            session, thing, expected=if_match, values=data.model_dump(exclude_unset=True),
            label=f"Thing {thing_id}",
        )                                # the instance now holds the new row (version + 1)
        set_etag(response, thing.version)
        return ThingPublic.model_validate(thing)

    @router.delete("/things/{thing_id}", status_code=204, responses=IF_MATCH_RESPONSES)
    async def delete_thing(thing_id: IdPath, if_match: IfMatchDep, session: SessionDep) -> None:
        await delete_versioned(session, Thing, thing_id, expected=if_match, label=f"Thing {thing_id}")

A state rule can ride on the same statement (an atomic conditional update): ``where=[Claim.status ==
"draft"]`` with ``conflict=Conflict("Claim 7 is submitted; ...")`` answers that conflict when the version
matched but the rule did not. Models that let the ORM check the version instead
(``__mapper_args__ = versioned_mapper_args(cls)``) wrap their flush in :func:`stale_as_412`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Request, Response
from sqlalchemy import ColumnElement, Table, and_, delete, inspect, select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from hanke_libs.problems import BadRequest, Conflict, NotFound, PreconditionFailed, PreconditionRequired

__all__ = [
    "IF_MATCH_RESPONSES",
    "MAX_IF_MATCH_TAGS",
    "MAX_VERSION",
    "EntityTag",
    "IfMatch",
    "IfMatchDep",
    "OptionalIfMatchDep",
    "content_etag",
    "delete_versioned",
    "optional_if_match",
    "parse_if_match",
    "parse_version_etag",
    "require_if_match",
    "set_etag",
    "stale_as_412",
    "update_versioned",
    "version_etag",
    "versioned_mapper_args",
]

MAX_VERSION = 2**31 - 1
"""Versions above this never match (they cannot be in an INTEGER column; binding them would overflow)."""
MAX_IF_MATCH_TAGS = 50
"""More tags than this in one If-Match is refused as malformed (400)."""


def version_etag(version: int) -> str:
    """The strong ETag of a versioned resource: ``"v3"`` for version 3."""
    return f'"v{int(version)}"'


def parse_version_etag(tag: str) -> int | None:
    """The version a strong ``"v<n>"`` tag names, or None (weak, another form, or out of range)."""
    if len(tag) < 4 or not (tag.startswith('"v') and tag.endswith('"')):
        return None
    digits = tag[2:-1]
    if (
        not digits.isascii()
        or not digits.isdigit()
        or len(digits) > 10
        or (len(digits) > 1 and digits[0] == "0")
    ):
        return None
    value = int(digits)
    return value if 0 <= value <= MAX_VERSION else None


def content_etag(content: bytes | str | Any) -> str:
    """A strong ETag from content: bytes or text as they are, anything else as canonical JSON."""
    if isinstance(content, str):
        data = content.encode()
    elif isinstance(content, bytes | bytearray | memoryview):
        data = bytes(content)
    else:
        data = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str).encode()
    return '"h' + hashlib.sha256(data).hexdigest()[:32] + '"'


def set_etag(response: Response, version_or_etag: int | str) -> str:
    """Set the response's ``ETag`` from a version number or a ready tag; returns the tag."""
    tag = version_etag(version_or_etag) if isinstance(version_or_etag, int) else version_or_etag
    response.headers["ETag"] = tag
    return tag


@dataclass(frozen=True)
class EntityTag:
    """One entity-tag of an If-Match list: ``opaque`` keeps its quotes (``'"v3"'``)."""

    opaque: str
    weak: bool = False

    def __str__(self) -> str:
        return ("W/" if self.weak else "") + self.opaque


def _current_tag(current: int | str) -> str:
    return version_etag(current) if isinstance(current, int) else current


@dataclass(frozen=True)
class IfMatch:
    """A parsed ``If-Match`` header: ``*`` (:attr:`any`) or a list of entity tags."""

    any: bool
    tags: tuple[EntityTag, ...] = ()
    raw: str = ""

    @property
    def versions(self) -> frozenset[int]:
        """The versions named by strong ``"v<n>"`` tags (weak tags never match, so never count)."""
        found = (parse_version_etag(t.opaque) for t in self.tags if not t.weak)
        return frozenset(v for v in found if v is not None)

    def matches(self, current: int | str) -> bool:
        """Strong comparison with the current version or ETag (``*`` matches anything that exists)."""
        if self.any:
            return True
        tag = _current_tag(current)
        return any(not t.weak and t.opaque == tag for t in self.tags)

    def check(self, current: int | str, *, label: str = "The resource") -> None:
        """412 naming the current ETag unless this If-Match matches ``current``."""
        if not self.matches(current):
            raise stale(_current_tag(current), sent=self.raw, label=label)


def stale(current_etag: str, *, sent: str = "", label: str = "The resource") -> PreconditionFailed:
    """The 412 problem for a stale If-Match (``current_etag`` in the body)."""
    what = f" (you sent {sent})" if sent else ""
    return PreconditionFailed(
        f"{label} has changed since you read it{what}: its current ETag is {current_etag}. "
        "GET it again, re-apply your change and send the new ETag as If-Match.",
        slug="stale-version",
        current_etag=current_etag,
    )


def _malformed(reason: str) -> BadRequest:
    return BadRequest(
        f"The If-Match header is not valid ({reason}). Send the ETag of your last GET, "
        'e.g. If-Match: "v3", or a comma-separated list of such tags.',
        slug="invalid-if-match",
    )


def _is_etagc(ch: str) -> bool:
    code = ord(ch)
    return code == 0x21 or 0x23 <= code <= 0x7E or 0x80 <= code <= 0xFF


def parse_if_match(value: str) -> IfMatch:
    """Parse an If-Match field value per RFC 9110 (``*`` or ``#entity-tag``); 400 when malformed.

    Empty list elements (``"v1", , "v2"``) are allowed as the list rule says; an entirely empty value
    is malformed here (the dependencies treat a blank header as missing: 428).
    """
    text = value.strip(" \t")
    if text == "*":
        return IfMatch(any=True, raw=value)
    tags: list[EntityTag] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in " \t,":
            i += 1
            continue
        weak = False
        if text.startswith("W/", i):
            weak = True
            i += 2
        if i >= n or text[i] != '"':
            if text[i : i + 1] == "*":
                raise _malformed("'*' must stand alone")
            raise _malformed("an entity tag must be a quoted string")
        end = i + 1
        while end < n and text[end] != '"':
            if not _is_etagc(text[end]):
                raise _malformed("an entity tag holds a character it may not")
            end += 1
        if end >= n:
            raise _malformed("an entity tag is not closed by a double quote")
        tags.append(EntityTag(opaque=text[i : end + 1], weak=weak))
        if len(tags) > MAX_IF_MATCH_TAGS:
            raise _malformed(f"more than {MAX_IF_MATCH_TAGS} entity tags")
        i = end + 1
        while i < n and text[i] in " \t":
            i += 1
        if i < n and text[i] != ",":
            raise _malformed("entity tags must be separated by commas")
    if not tags:
        raise _malformed("it names no entity tag")
    return IfMatch(any=False, tags=tuple(tags), raw=value)


_IF_MATCH_DOC = (
    'The ETag of your last GET of this resource (strong, e.g. "v3"). Required: without it 428, '
    "with a stale one 412 naming the current ETag."
)


def _header_value(request: Request) -> str | None:
    values = [v for v in request.headers.getlist("if-match") if v.strip(" \t")]
    return ", ".join(values) if values else None


async def require_if_match(
    request: Request,
    if_match: Annotated[str | None, Header(alias="If-Match", description=_IF_MATCH_DOC)] = None,
) -> IfMatch:
    """FastAPI dependency: the parsed If-Match of the request; 428 when missing, 400 when malformed.

    Several If-Match header lines are read as one comma-separated list (RFC 9110 §5.3).
    """
    raw = _header_value(request)
    if raw is None:
        raise PreconditionRequired(
            "This change needs an If-Match header: GET the resource first and send its ETag as "
            'If-Match (e.g. If-Match: "v3"), so that a concurrent edit is never lost.',
            slug="if-match-required",
        )
    return parse_if_match(raw)


async def optional_if_match(
    request: Request,
    if_match: Annotated[
        str | None, Header(alias="If-Match", description="The ETag of your last GET; 412 when stale")
    ] = None,
) -> IfMatch | None:
    """FastAPI dependency for the few writes where If-Match is optional: None when missing."""
    raw = _header_value(request)
    return None if raw is None else parse_if_match(raw)


IfMatchDep = Annotated[IfMatch, Depends(require_if_match)]
"""A required If-Match (428 missing, 400 malformed) for updates and deletes of versioned resources."""
OptionalIfMatchDep = Annotated[IfMatch | None, Depends(optional_if_match)]

IF_MATCH_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "Malformed If-Match (problem details)"},
    412: {"description": "Stale If-Match: the resource changed; the problem names current_etag"},
    428: {"description": "If-Match missing: GET the resource and send its ETag"},
}
"""``responses=`` for routes taking :data:`IfMatchDep`, so OpenAPI documents 412 and 428."""


def _table_of(model: Any) -> Table:
    if isinstance(model, Table):
        return model
    table = inspect(model).local_table
    assert isinstance(table, Table)
    return table


def _key_clause(table: Table, ident: Any) -> ColumnElement[bool]:
    pk = list(table.primary_key.columns)
    values = ident if isinstance(ident, tuple) else (ident,)
    if len(values) != len(pk):
        raise ValueError(f"{table.name} has a primary key of {len(pk)} column(s), got {values!r}")
    return and_(*(c == v for c, v in zip(pk, values, strict=True)))


def _expected_versions(expected: IfMatch | int | Iterable[int]) -> frozenset[int] | None:
    """None means any version (``*``)."""
    if isinstance(expected, IfMatch):
        return None if expected.any else expected.versions
    if isinstance(expected, int):
        return frozenset({expected}) if 0 <= expected <= MAX_VERSION else frozenset()
    return frozenset(v for v in expected if 0 <= v <= MAX_VERSION)


async def _exec(session: Any, statement: Any) -> Any:
    # sqlmodel's AsyncSession deprecates execute() in favour of exec(); SQLAlchemy's has only execute().
    runner = getattr(session, "exec", None) or session.execute
    return await runner(statement)


async def _explain_miss(
    session: Any,
    table: Table,
    ident: Any,
    version_col: str,
    versions: frozenset[int] | None,
    sent: str,
    label: str,
    conflict: Exception | None,
) -> Exception:
    row = (await _exec(session, select(table.c[version_col]).where(_key_clause(table, ident)))).first()
    if row is None:
        return NotFound(f"{label} does not exist (it may have just been deleted).")
    current = int(row[0])
    if versions is not None and current not in versions:
        return stale(version_etag(current), sent=sent, label=label)
    return conflict or Conflict(f"{label} cannot be changed in its current state; GET it to see why.")


def _ident_of(instance: Any) -> Any:
    state = inspect(instance)
    key = state.identity
    if key is None:
        raise ValueError("update_versioned needs a persistent instance (flushed, with a primary key)")
    return key[0] if len(key) == 1 else tuple(key)


async def update_versioned(
    session: Any,
    target: Any,
    ident: Any = None,
    *,
    expected: IfMatch | int | Iterable[int],
    values: Mapping[str, Any],
    where: Sequence[ColumnElement[bool]] = (),
    conflict: Exception | None = None,
    label: str = "The resource",
    version_column: str = "version",
) -> dict[str, Any]:
    """Apply ``values`` and ``version + 1`` in ONE version-checked UPDATE; return the new row.

    ``target`` is a mapped instance (its primary key is used and its attributes are set to the new
    row, without marking it dirty) or a mapped class / Table with ``ident`` (the primary key value, a
    tuple for a composite key). ``expected`` is the request's :class:`IfMatch` (``*`` = any version),
    a version or several. ``where`` adds conditions (a state rule) to the same statement.

    No row changed → 404 if the row is gone, 412 naming the current ETag if its version differs,
    otherwise ``conflict`` (default: a 409) because a ``where`` condition failed. Do not also change
    the instance's attributes yourself (a later flush would write them again).
    """
    instance = None if ident is not None or isinstance(target, Table) or isinstance(target, type) else target
    if instance is not None:
        ident = _ident_of(instance)
        table = _table_of(type(instance))
    else:
        table = _table_of(target)
    versions = _expected_versions(expected)
    sent = expected.raw if isinstance(expected, IfMatch) else ""
    version_col = table.c[version_column]
    conditions: list[ColumnElement[bool]] = [_key_clause(table, ident), *where]
    if versions is not None:
        if not versions:
            raise await _explain_miss(session, table, ident, version_column, versions, sent, label, conflict)
        conditions.append(version_col.in_(sorted(versions)))
    # Attribute names map to column keys; unknown names raise (a bug, not a client error).
    columns: dict[Any, Any] = {_column(table, target, k): v for k, v in values.items()}
    columns[version_col] = version_col + 1
    statement = update(table).where(*conditions).values(columns).returning(*table.columns)
    row = (await _exec(session, statement)).mappings().first()
    if row is None:
        raise await _explain_miss(session, table, ident, version_column, versions, sent, label, conflict)
    new_row = dict(row)
    if instance is not None:
        mapper = inspect(type(instance))
        for prop in mapper.column_attrs:
            column = prop.columns[0]
            if column.name in new_row:
                set_committed_value(instance, prop.key, new_row[column.name])
    return new_row


def _column(table: Table, target: Any, key: str) -> Any:
    """The column an attribute name (or column key) of ``target`` stands for; KeyError if none."""
    if not isinstance(target, Table):
        cls = target if isinstance(target, type) else type(target)
        prop: Any = inspect(cls).attrs.get(key)
        if prop is not None and hasattr(prop, "columns"):
            return prop.columns[0]
    if key in table.c:
        return table.c[key]
    raise KeyError(f"{table.name} has no column {key!r}")


async def delete_versioned(
    session: Any,
    target: Any,
    ident: Any = None,
    *,
    expected: IfMatch | int | Iterable[int],
    where: Sequence[ColumnElement[bool]] = (),
    conflict: Exception | None = None,
    label: str = "The resource",
    version_column: str = "version",
) -> None:
    """DELETE the row only at an expected version (same arguments and answers as :func:`update_versioned`).

    With a mapped instance as ``target``, the instance is expunged from the session afterwards.
    """
    instance = None if ident is not None or isinstance(target, Table) or isinstance(target, type) else target
    if instance is not None:
        ident = _ident_of(instance)
        table = _table_of(type(instance))
    else:
        table = _table_of(target)
    versions = _expected_versions(expected)
    sent = expected.raw if isinstance(expected, IfMatch) else ""
    conditions: list[ColumnElement[bool]] = [_key_clause(table, ident), *where]
    if versions is not None:
        if not versions:
            raise await _explain_miss(session, table, ident, version_column, versions, sent, label, conflict)
        conditions.append(table.c[version_column].in_(sorted(versions)))
    pk = list(table.primary_key.columns)
    row = (await _exec(session, delete(table).where(*conditions).returning(*pk))).first()
    if row is None:
        raise await _explain_miss(session, table, ident, version_column, versions, sent, label, conflict)
    if instance is not None and instance in session:
        session.expunge(instance)


def versioned_mapper_args(cls: Any, column: str = "version") -> dict[str, Any]:
    """``__mapper_args__`` making the ORM add ``WHERE version = <loaded>`` to its own UPDATEs.

    The code increments the version itself (``version_id_generator=False``); a flush that finds the
    row changed raises StaleDataError: wrap it in :func:`stale_as_412`. Prefer
    :func:`update_versioned`, which checks the version the client sent, not the one loaded.
    """
    return {"version_id_col": cls.__table__.c[column], "version_id_generator": False}


@contextlib.contextmanager
def stale_as_412(label: str = "The resource") -> Iterator[None]:
    """Turn the ORM's StaleDataError (a versioned row changed under us) into a 412 problem."""
    try:
        yield
    except StaleDataError as exc:
        raise PreconditionFailed(
            f"{label} was changed by someone else at the same time; GET it again and retry "
            "with its new ETag.",
            slug="stale-version",
        ) from exc
