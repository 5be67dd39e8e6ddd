"""SCIM PATCH paths (RFC 7644 § 3.5.2): ``attr``, ``attr.sub``, ``urn:...:attr``, ``attr[filter].sub``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from participants.scim.filters import Comparison, parse_filter
from participants.scim.protocol import ENTERPRISE_SCHEMA, GROUP_SCHEMA, USER_SCHEMA, invalid_path

_PATH = re.compile(
    r"^(?P<attr>[A-Za-z$][A-Za-z0-9_$\-]*)(?:\[(?P<filter>[^\]]*)\])?(?:\.(?P<sub>[A-Za-z0-9_]+))?$"
)


@dataclass(frozen=True)
class Path:
    attr: str  # lower-cased; "enterprise" for the whole extension object
    sub: str | None = None  # lower-cased
    filter: tuple[Comparison, ...] = ()
    enterprise: bool = False


def parse_path(text: str) -> Path:
    raw = text.strip()
    lower = raw.lower()
    enterprise = False
    if lower == ENTERPRISE_SCHEMA.lower():
        return Path("enterprise", enterprise=True)
    for urn, ext in ((ENTERPRISE_SCHEMA, True), (USER_SCHEMA, False), (GROUP_SCHEMA, False)):
        if lower.startswith(urn.lower() + ":"):
            raw, enterprise = raw[len(urn) + 1 :], ext
            break
    m = _PATH.match(raw)
    if not m:
        raise invalid_path(f"Cannot parse the path {text!r}.")
    flt = tuple(parse_filter(m.group("filter"))) if m.group("filter") else ()
    sub = m.group("sub").lower() if m.group("sub") else None
    return Path(m.group("attr").lower(), sub, flt, enterprise)
