"""ETag / If-Match of the pilots service (until ``hanke_libs.etag`` is on main; same interface).

Strong ETags ``"v<version>"``; If-Match required on updates (428 without, 412 stale naming
``current_etag``); weak tags never match.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Response
from sqlalchemy.orm.exc import StaleDataError

from hanke_libs.problems import PreconditionFailed, PreconditionRequired


def version_etag(version: int) -> str:
    return f'"v{int(version)}"'


def set_etag(response: Response, version: int) -> str:
    tag = version_etag(version)
    response.headers["ETag"] = tag
    return tag


@dataclass(frozen=True)
class IfMatch:
    any: bool
    tags: tuple[str, ...]
    raw: str

    def matches(self, version: int) -> bool:
        return self.any or version_etag(version) in self.tags

    def check(self, version: int, *, label: str = "The resource") -> None:
        if not self.matches(version):
            raise PreconditionFailed(
                f"{label} has changed since you read it (you sent {self.raw}): its current ETag is "
                f"{version_etag(version)}. GET it again, re-apply your change and send the new ETag as If-Match.",
                slug="stale-version",
                current_etag=version_etag(version),
            )


def _parse(raw: str) -> IfMatch:
    if raw.strip() == "*":
        return IfMatch(True, (), raw)
    return IfMatch(
        False, tuple(t.strip() for t in raw.split(",") if t.strip() and not t.strip().startswith("W/")), raw
    )


def require_if_match(
    if_match: Annotated[
        str | None, Header(alias="If-Match", description='The ETag of your last GET, e.g. "v3"')
    ] = None,
) -> IfMatch:
    if if_match is None or not if_match.strip():
        raise PreconditionRequired(
            "This change needs an If-Match header: GET the resource first and send its ETag as If-Match "
            '(e.g. If-Match: "v3"), so that a concurrent edit is never lost.',
            slug="if-match-required",
        )
    return _parse(if_match)


def optional_if_match(
    if_match: Annotated[
        str | None, Header(alias="If-Match", description="The ETag of your last GET; 412 when stale")
    ] = None,
) -> IfMatch | None:
    return None if if_match is None or not if_match.strip() else _parse(if_match)


IfMatchDep = Annotated[IfMatch, Depends(require_if_match)]
OptionalIfMatchDep = Annotated[IfMatch | None, Depends(optional_if_match)]


@contextlib.contextmanager
def stale_as_412(label: str = "The resource") -> Iterator[None]:
    """A versioned row changed by someone else between our read and our write becomes 412."""
    try:
        yield
    except StaleDataError as exc:
        raise PreconditionFailed(
            f"{label} was changed by someone else at the same time; GET it again and retry with its new ETag.",
            slug="stale-version",
        ) from exc
