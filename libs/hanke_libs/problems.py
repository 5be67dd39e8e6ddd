"""RFC 9457 problem details for every error.

Exception tree::

    ProblemError                 any error the API reports on purpose
    ├── BadRequest               400 malformed input the schema could not catch
    ├── Unauthorized             401 no or invalid bearer token
    ├── Forbidden                403 authenticated but not allowed
    ├── NotFound                 404
    ├── Conflict                 409 state does not allow the change (duplicates, locks, rules)
    ├── PreconditionFailed       412 stale If-Match
    ├── PreconditionRequired     428 If-Match missing where required
    ├── UnprocessableContent     422 well-formed but semantically invalid input
    └── UpstreamProblem          502/503/504 a dependency failed (gateway)

Every handler answers ``application/problem+json`` with a stable ``type`` URI per kind of error.
Unexpected exceptions become a 500 problem that names the request id and hides the traceback.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from hanke_libs.observability import current_request_id

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://hanke.kuopio.example/problems/"

log = logging.getLogger("hanke.problems")


class InvalidParam(BaseModel):
    """One invalid input: where it is and what is wrong with it."""

    name: str = Field(description="Dotted location of the input, e.g. body.amount or query.limit")
    reason: str
    line: int | None = Field(default=None, description="Line number in an imported file, if any")


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="URI identifying the kind of problem")
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    request_id: str | None = None
    errors: list[InvalidParam] | None = None


class ProblemError(Exception):
    """Base of every error reported as a problem document."""

    status: int = 400
    slug: str = "bad-request"
    title: str = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        slug: str | None = None,
        title: str | None = None,
        status: int | None = None,
        errors: list[InvalidParam] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if slug:
            self.slug = slug
        if title:
            self.title = title
        if status:
            self.status = status
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra

    def to_problem(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": TYPE_BASE + self.slug,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        if self.errors:
            body["errors"] = [e.model_dump(exclude_none=True) for e in self.errors]
        body.update(self.extra)
        return body


class BadRequest(ProblemError):
    status, slug, title = 400, "bad-request", "Bad request"


class Unauthorized(ProblemError):
    status, slug, title = 401, "unauthorized", "Authentication required"

    def __init__(self, detail: str, **kw: Any) -> None:
        kw.setdefault("headers", {"WWW-Authenticate": 'Bearer realm="hanke"'})
        super().__init__(detail, **kw)


class Forbidden(ProblemError):
    status, slug, title = 403, "forbidden", "Not allowed"


class NotFound(ProblemError):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(ProblemError):
    status, slug, title = 409, "conflict", "Conflict"


class PreconditionFailed(ProblemError):
    status, slug, title = 412, "precondition-failed", "Precondition failed"


class PreconditionRequired(ProblemError):
    status, slug, title = 428, "precondition-required", "Precondition required"


class UnprocessableContent(ProblemError):
    status, slug, title = 422, "unprocessable", "Unprocessable content"


class UpstreamProblem(ProblemError):
    status, slug, title = 503, "upstream-unavailable", "Upstream service unavailable"


_HTTP_SLUGS = {
    400: ("bad-request", "Bad request"),
    401: ("unauthorized", "Authentication required"),
    403: ("forbidden", "Not allowed"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    409: ("conflict", "Conflict"),
    411: ("length-required", "Length required"),
    412: ("precondition-failed", "Precondition failed"),
    413: ("content-too-large", "Content too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("validation", "Invalid input"),
    429: ("too-many-requests", "Too many requests"),
}


def problem_response(body: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    rid = current_request_id()
    if rid and "request_id" not in body:
        body["request_id"] = rid
    return JSONResponse(body, status_code=body["status"], headers=headers, media_type=PROBLEM_MEDIA_TYPE)


def _loc(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(p) for p in loc)


async def _problem_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return problem_response(exc.to_problem(request.url.path), exc.headers)


async def _validation_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [InvalidParam(name=_loc(e.get("loc", ())), reason=str(e.get("msg", ""))) for e in exc.errors()]
    detail = "; ".join(f"{e.name}: {e.reason}" for e in errors[:5]) or "The request is not valid."
    body = {
        "type": TYPE_BASE + "validation",
        "title": "Invalid input",
        "status": 422,
        "detail": detail,
        "instance": request.url.path,
        "errors": [e.model_dump(exclude_none=True) for e in errors],
    }
    return problem_response(body)


async def _http_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    slug, title = _HTTP_SLUGS.get(exc.status_code, ("http-error", "HTTP error"))
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    body = {
        "type": TYPE_BASE + slug,
        "title": title,
        "status": exc.status_code,
        "detail": detail,
        "instance": request.url.path,
    }
    headers = dict(exc.headers) if exc.headers else None
    return problem_response(body, headers)


def install_problem_handlers(app: FastAPI) -> None:
    """Make every error of ``app`` a problem document."""
    app.add_exception_handler(ProblemError, _problem_error_handler)
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(StarletteHTTPException, _http_handler)
    # Unexpected exceptions are answered by RequestIdMiddleware (inside the request-id context).


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": Problem, "description": "Client error (problem details)"},
    "5XX": {"model": Problem, "description": "Server or upstream error (problem details)"},
}
