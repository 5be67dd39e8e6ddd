"""Strict, bounded input types for routes and schemas: every bad input is a 422, never a 500.

Dates (``StrictDate``, ``StrictDateTime``)
    ISO strings only. Pydantic's lax ``date`` reads ``0``, ``true`` or ``"0"`` as 1970-01-01; these
    types refuse numbers, booleans and every other string form, in JSON bodies and in query and path
    parameters alike (``?as_of=0`` → 422)::

        class CostEntryCreate(BaseModel):
            posted_on: StrictDate                       # "2021-03-31"; 0, 1.5, true, "0" → 422

        @router.get("/projects/{code}/summary")
        async def summary(code: Code, as_of: StrictDate | None = None) -> Summary: ...

Integers (``Id``, ``BigId``, ``Int32``, ``Int64``, ``NonNegativeInt32``)
    Whole numbers inside the range of the column they end up in (PostgreSQL INTEGER is 32-bit, BIGINT
    64-bit), so 9223372036854775808 is a 422 naming the bound, never an OverflowError from the driver.
    Booleans and floats are refused; digit strings are read (path and query values are strings)::

        ClaimNumber = Annotated[Id, Path(description="The claim's number")]
        @router.get("/projects/{code}/claims/{number}")
        async def get_claim(code: Code, number: ClaimNumber) -> ClaimPublic: ...

        class VersionCompare(BaseModel):
            a: Id
            b: Id

Text (``SingleLineText``, ``MultiLineText``)
    No C0 or C1 control characters (which break XLSX exports and terminals), no DEL, no lone
    surrogates (they cannot be stored as UTF-8). Single-line text has no line breaks at all (nor
    U+2028/U+2029); multi-line text allows only ``\\n``, ``\\r\\n`` and ``\\t``. The message names the
    character and its position::

        class PilotCreate(BaseModel):
            title: Annotated[SingleLineText, Field(min_length=1, max_length=200)]
            need: MultiLineText | None = Field(default=None, max_length=4000)

PATCH bodies (:class:`PatchModel`, :data:`Nullable`)
    Fields are optional (leave one out to keep its value) but an explicit ``null`` is refused unless
    the field is marked :data:`Nullable` (null clears it): ``{"name": null}`` → 422 "name cannot be
    null; leave it out to keep it". Unknown fields are refused. :meth:`PatchModel.sent` tells what
    was sent::

        class ProjectUpdate(PatchModel):
            name: Annotated[SingleLineText, Field(min_length=1, max_length=200)] | None = None
            period_end: Nullable[StrictDate] = None     # null clears the end date

        changes = data.sent()                           # only the fields in the request body
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    field_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError

__all__ = [
    "EMAIL_PATTERN",
    "HTTP_URL_PATTERN",
    "INT32_MAX",
    "INT32_MIN",
    "INT64_MAX",
    "INT64_MIN",
    "BigId",
    "Id",
    "Int32",
    "Int64",
    "MultiLineText",
    "NonNegativeInt32",
    "Nullable",
    "PatchModel",
    "SingleLineText",
    "StrictDate",
    "StrictDateTime",
    "check_multi_line",
    "check_single_line",
    "parse_strict_date",
]

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

# --- dates ---

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ISO_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})"
)


def parse_strict_date(value: Any) -> dt.date:
    """A ``date`` from a date or an ISO ``YYYY-MM-DD`` string; ValueError (with the reason) otherwise."""
    if isinstance(value, dt.datetime):
        raise ValueError("must be a date (YYYY-MM-DD), not a date and time")
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValueError("must be a date written YYYY-MM-DD, e.g. 2021-03-31")
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"{value} is not a date in the calendar ({exc})") from exc


def _strict_date(value: Any) -> dt.date:
    try:
        return parse_strict_date(value)
    except ValueError as exc:
        raise PydanticCustomError("strict_date", str(exc)) from None


def _strict_datetime(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise PydanticCustomError("strict_datetime", "must carry a time zone offset (Z or +02:00)")
        return value
    if not isinstance(value, str) or not _ISO_DATETIME.fullmatch(value):
        raise PydanticCustomError(
            "strict_datetime", "must be a date and time written YYYY-MM-DDTHH:MM:SS with Z or an offset"
        )
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise PydanticCustomError(
            "strict_datetime", f"{value} is not a valid date and time ({exc})"
        ) from None


StrictDate = Annotated[dt.date, BeforeValidator(_strict_date)]
"""A calendar date from an ISO ``YYYY-MM-DD`` string only (numbers, booleans, other forms → 422)."""
StrictDateTime = Annotated[dt.datetime, BeforeValidator(_strict_datetime)]
"""An aware timestamp from an ISO 8601 string with ``Z`` or an offset only."""

# --- integers ---

_DIGITS = re.compile(r"[+-]?[0-9]{1,20}")


def _whole_number(value: Any) -> Any:
    if isinstance(value, bool) or isinstance(value, float):
        raise PydanticCustomError("whole_number", "must be a whole number (not true/false or a decimal)")
    if isinstance(value, str):
        if not _DIGITS.fullmatch(value):
            raise PydanticCustomError("whole_number", "must be a whole number written with digits 0-9")
        return int(value)
    return value


Id = Annotated[int, Field(ge=1, le=INT32_MAX), BeforeValidator(_whole_number)]
"""A database id or number in an INTEGER column: 1..2**31-1."""
BigId = Annotated[int, Field(ge=1, le=INT64_MAX), BeforeValidator(_whole_number)]
"""An id in a BIGINT column: 1..2**63-1."""
Int32 = Annotated[int, Field(ge=INT32_MIN, le=INT32_MAX), BeforeValidator(_whole_number)]
Int64 = Annotated[int, Field(ge=INT64_MIN, le=INT64_MAX), BeforeValidator(_whole_number)]
NonNegativeInt32 = Annotated[int, Field(ge=0, le=INT32_MAX), BeforeValidator(_whole_number)]

# --- text ---

_LINE_BREAKS_OK = {"\n", "\t"}


def _describe(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X}" + (f" {name}" if name else "")


def _bad_char(text: str, *, multi: bool) -> tuple[int, str] | None:
    for i, ch in enumerate(text):
        code = ord(ch)
        if code < 0x20 or 0x7F <= code <= 0x9F:
            if multi and (ch in _LINE_BREAKS_OK or (ch == "\r" and text[i + 1 : i + 2] == "\n")):
                continue
            return i, ch
        if 0xD800 <= code <= 0xDFFF or (not multi and code in (0x2028, 0x2029)):
            return i, ch
    return None


def check_single_line(text: str) -> str:
    """``text`` if it is one line without control characters; ValueError naming the first bad one."""
    found = _bad_char(text, multi=False)
    if found:
        pos, ch = found
        raise ValueError(
            f"must be one line of text without control characters or line breaks; "
            f"found {_describe(ch)} at position {pos + 1}"
        )
    return text


def check_multi_line(text: str) -> str:
    """``text`` if its only control characters are ``\\n``, ``\\r\\n`` and ``\\t``; ValueError otherwise."""
    found = _bad_char(text, multi=True)
    if found:
        pos, ch = found
        raise ValueError(
            f"may hold line breaks and tabs but no other control characters; "
            f"found {_describe(ch)} at position {pos + 1}"
        )
    return text


def _as_custom(check: Any, kind: str) -> Any:
    def validate(text: str) -> str:
        try:
            result: str = check(text)
        except ValueError as exc:
            raise PydanticCustomError(kind, str(exc)) from None
        return result

    return validate


class _Pattern:
    """The JSON Schema ``pattern`` saying what a text check accepts (unless the field sets its own),
    so a client or a generator knows the rule the validator applies."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern

    def __get_pydantic_json_schema__(
        self, core_schema: Any, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        schema.setdefault("pattern", self.pattern)
        return schema


HTTP_URL_PATTERN = r"^https?://[^\s\x00-\x1f\x7f-\x9f\ufeff]+$"
"""An http(s) URL without spaces or control characters, read alike by Python's ``re`` and by the
ECMA regexes of a client (whose ``\\s`` differs: U+0085 is a space to Python only, U+FEFF to ECMA only)."""
_ADDRESS_PART = r"[^@\s\x00-\x1f\x7f-\x9f\ufeff]+"
EMAIL_PATTERN = rf"^{_ADDRESS_PART}@{_ADDRESS_PART}\.{_ADDRESS_PART}$"
"""An e-mail address's shape (one ``@``, a dot in the domain, no spaces or control characters), read
alike by Python's ``re`` and ECMA regexes (Python's ``\\s`` also matches U+001C-U+001F and U+0085)."""
SINGLE_LINE_PATTERN = r"^[^\x00-\x1f\x7f-\x9f\u2028\u2029]*$"
MULTI_LINE_PATTERN = r"^(?:[^\x00-\x08\x0b-\x1f\x7f-\x9f]|\r\n)*$"
SingleLineText = Annotated[
    str, AfterValidator(_as_custom(check_single_line, "single_line")), _Pattern(SINGLE_LINE_PATTERN)
]
"""One line of text: no C0/C1 control characters, no DEL, no line breaks, no lone surrogates."""
MultiLineText = Annotated[
    str, AfterValidator(_as_custom(check_multi_line, "multi_line")), _Pattern(MULTI_LINE_PATTERN)
]
"""Text with line breaks (``\\n``, ``\\r\\n``) and tabs, but no other control characters."""


# --- PATCH bodies ---


class _NullableMarker:
    """Marks a PatchModel field on which an explicit null means "clear it"."""

    def __repr__(self) -> str:
        return "Nullable"


NULLABLE = _NullableMarker()
T = TypeVar("T")
Nullable = Annotated[T | None, NULLABLE]
"""``Nullable[X]`` on a :class:`PatchModel` field: an explicit ``null`` is accepted (and clears it)."""


class PatchModel(BaseModel):
    """Base of PATCH bodies: leave a field out to keep it; ``null`` only where the field is Nullable.

    ``{"name": null}`` on a field that may not be null is a 422 at ``body.name`` saying
    "name cannot be null; leave it out to keep it". Unknown fields are refused (a typo is not
    silently ignored). Declare fields ``X | None = None`` (optional) or ``Nullable[X] = None``.
    """

    model_config = ConfigDict(extra="forbid")

    _nullable_fields: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        cls._nullable_fields = frozenset(
            name for name, info in cls.model_fields.items() if any(m is NULLABLE for m in info.metadata)
        )

    @field_validator("*", mode="before")
    @classmethod
    def _refuse_null(cls, value: Any, info: Any) -> Any:
        if value is None and info.field_name not in cls._nullable_fields:
            name = info.field_name
            alias = cls.model_fields[name].alias or name
            raise PydanticCustomError(
                "null_not_allowed", "{name} cannot be null; leave it out to keep it", {"name": alias}
            )
        return value

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        """OpenAPI shows ``null`` only where it is accepted (so contract tests do not send it)."""
        schema = handler(core_schema)
        target = handler.resolve_ref_schema(schema)
        for name, info in cls.model_fields.items():
            if name in cls._nullable_fields:
                continue
            prop = target.get("properties", {}).get(info.alias or name)
            if not isinstance(prop, dict):
                continue
            options = prop.get("anyOf")
            if isinstance(options, list):
                kept = [o for o in options if o != {"type": "null"}]
                if len(kept) == 1:
                    del prop["anyOf"]
                    prop.update(kept[0])
                else:
                    prop["anyOf"] = kept
            if prop.get("default", 0) is None:
                del prop["default"]
        return schema

    def sent(self, **dump: Any) -> dict[str, Any]:
        """The fields present in the request (``model_dump(exclude_unset=True)``)."""
        return self.model_dump(exclude_unset=True, **dump)

    def was_sent(self, name: str) -> bool:
        """Whether ``name`` was in the request body (null included, where allowed)."""
        return name in self.model_fields_set
