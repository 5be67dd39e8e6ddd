"""A small SCIM filter parser: ``attrPath op value`` comparisons joined by ``and`` (RFC 7644 § 3.4.2.2).

Entra ID queries with ``eq`` and ``and`` only; ``or``, ``not``, grouping and the other operators are
answered with ``400 invalidFilter``, never silently ignored.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from participants.scim.protocol import ENTERPRISE_SCHEMA, GROUP_SCHEMA, USER_SCHEMA, invalid_filter

_TOKEN = re.compile(
    r'\s*(?:(?P<string>"(?:[^"\\]|\\.)*")|(?P<word>[A-Za-z0-9_:.$\-]+(?:\[[^\]]*\])?(?:\.[A-Za-z0-9_]+)?))'
)


@dataclass(frozen=True)
class Comparison:
    attribute: str  # lower-cased, schema prefix removed, e.g. "username", "emails.value"
    op: str
    value: Any


def strip_schema(path: str) -> str:
    lower = path.lower()
    for urn in (ENTERPRISE_SCHEMA, USER_SCHEMA, GROUP_SCHEMA):
        if lower.startswith(urn.lower() + ":"):
            return path[len(urn) + 1 :]
    return path


def _tokens(text: str) -> list[str]:
    tokens: list[str] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise invalid_filter(f"Cannot parse the filter near {text[pos : pos + 20]!r}.")
        tokens.append(m.group(0).strip())
        pos = m.end()
    return tokens


def _value(token: str) -> Any:
    if token.startswith('"'):
        try:
            return json.loads(token)
        except ValueError as exc:
            raise invalid_filter(f"Bad string in filter: {token}") from exc
    lower = token.lower()
    if lower in ("true", "false"):
        return lower == "true"
    if lower == "null":
        return None
    try:
        return int(token)
    except ValueError:
        raise invalid_filter(
            f"Filter value {token!r} must be a quoted string, number, boolean or null."
        ) from None


def parse_filter(text: str | None) -> list[Comparison]:
    """The comparisons of a filter (all must hold); [] for no filter."""
    if text is None or not text.strip():
        return []
    tokens = _tokens(text)
    result: list[Comparison] = []
    i = 0
    while i < len(tokens):
        if len(tokens) - i < 3:
            raise invalid_filter(f"Incomplete filter: {text!r}.")
        attr, op, raw = tokens[i], tokens[i + 1].lower(), tokens[i + 2]
        if op != "eq":
            raise invalid_filter(f"Operator {op!r} is not supported; use eq (and 'and').")
        attribute = strip_schema(attr).lower()
        m = re.fullmatch(r'emails\[type eq "?work"?\]\.value', attribute)
        if m:
            attribute = "emails.value"
        result.append(Comparison(attribute, op, _value(raw)))
        i += 3
        if i < len(tokens):
            if tokens[i].lower() != "and":
                raise invalid_filter(f"Only 'and' may join comparisons, not {tokens[i]!r}.")
            i += 1
            if i >= len(tokens):
                raise invalid_filter("The filter ends with 'and'.")
    return result
