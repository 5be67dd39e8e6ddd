"""ETag / If-Match for optimistic concurrency on versioned resources: one discipline for every
service (a row's integer version is its ETag)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from fastapi import Response
from sqlalchemy.orm.exc import StaleDataError

from hanke_libs.problems import PreconditionFailed, PreconditionRequired


def etag(version: int) -> str:
    return f'"{version}"'


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag(version)


def check_if_match(if_match: str | None, version: int, *, required: bool) -> None:
    """428 when required and missing; 412 when it names no current version (``*`` matches any)."""
    if if_match is None or not if_match.strip():
        if required:
            raise PreconditionRequired(
                "Send If-Match with the ETag from your last read, so concurrent edits are not lost.",
                slug="if-match-required",
            )
        return
    tags = [t.strip().removeprefix("W/") for t in if_match.split(",")]
    if "*" in tags or etag(version) in tags:
        return
    raise PreconditionFailed(
        f"The resource has changed since you read it (current ETag {etag(version)}); read it again.",
        slug="stale-version",
        current_etag=etag(version),
    )


@contextlib.contextmanager
def stale_as_412() -> Iterator[None]:
    """A versioned row changed by someone else between our read and our write becomes 412."""
    try:
        yield
    except StaleDataError as exc:
        raise PreconditionFailed(
            "The resource was changed by someone else at the same time; read it again.", slug="stale-version"
        ) from exc
