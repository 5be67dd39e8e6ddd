"""SCIM 2.0 protocol pieces (RFC 7644): media type, error bodies, list responses, the route class.

Every error raised under ``/scim/v2`` (auth, validation, conflicts, unexpected ones) answers a SCIM
error body (``urn:ietf:params:scim:api:messages:2.0:Error``) in ``application/scim+json``, not a
problem document.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import ValidationError
from scim2_models import ResponseParameters
from sqlalchemy.exc import IntegrityError

from hanke_libs.problems import PROBLEM_MEDIA_TYPE, ProblemError

SCIM_MEDIA_TYPE = "application/scim+json"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

log = logging.getLogger("participants.scim")


class ScimResponse(JSONResponse):
    media_type = SCIM_MEDIA_TYPE


class ScimError(Exception):
    """An error answered as a SCIM error body."""

    def __init__(self, status: int, detail: str, scim_type: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.scim_type = scim_type

    def response(self, headers: dict[str, str] | None = None) -> ScimResponse:
        body: dict[str, Any] = {"schemas": [ERROR_SCHEMA], "status": str(self.status), "detail": self.detail}
        if self.scim_type:
            body["scimType"] = self.scim_type
        return ScimResponse(body, status_code=self.status, headers=headers)


def invalid_value(detail: str) -> ScimError:
    return ScimError(400, detail, "invalidValue")


def invalid_filter(detail: str) -> ScimError:
    return ScimError(400, detail, "invalidFilter")


def invalid_path(detail: str) -> ScimError:
    return ScimError(400, detail, "invalidPath")


def not_found(kind: str, id_: str) -> ScimError:
    return ScimError(404, f"{kind} {id_} not found")


def uniqueness(detail: str) -> ScimError:
    return ScimError(409, detail, "uniqueness")


class ScimRoute(APIRoute):
    """A route whose every error becomes a SCIM error body."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def scim_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except ScimError as exc:
                return exc.response()
            except ProblemError as exc:
                scim_type = "uniqueness" if exc.status == 409 else None
                return ScimError(exc.status, exc.detail, scim_type).response(exc.headers or None)
            except RequestValidationError as exc:
                detail = "; ".join(
                    ".".join(str(p) for p in e.get("loc", ())) + ": " + str(e.get("msg", ""))
                    for e in exc.errors()[:5]
                )
                return invalid_value(detail or "The request is not valid.").response()
            except ValidationError as exc:
                errors = exc.errors()
                detail = str(errors[0]["msg"]) if errors else "The request is not valid."
                return invalid_value(detail).response()
            except IntegrityError:
                return uniqueness("The change conflicts with an existing resource.").response()

        return scim_handler


async def read_json(request: Request) -> dict[str, Any]:
    """The request body as a JSON object (``application/scim+json`` or ``application/json``)."""
    try:
        body = await request.json()
    except RecursionError as exc:
        raise ScimError(400, "The body is nested too deeply.", "invalidSyntax") from exc
    except ValueError as exc:
        raise ScimError(400, "The body is not valid JSON.", "invalidSyntax") from exc
    if not isinstance(body, dict):
        raise invalid_value("The body must be a JSON object.")
    return body


def parse_bool(value: Any, attribute: str = "active") -> bool:
    """SCIM booleans, including Entra ID's strings ``"True"``/``"False"``."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise invalid_value(f"{attribute} must be a boolean, not {value!r}.")


def list_response(resources: list[dict[str, Any]], total: int, start_index: int) -> dict[str, Any]:
    return {
        "schemas": [LIST_SCHEMA],
        "totalResults": total,
        "startIndex": start_index,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }


def paging(start_index: str | None, count: str | None) -> tuple[int, int]:
    """``startIndex`` (1-based, values below 1 mean 1) and ``count`` (clamped to 0..200)."""
    try:
        start = int(start_index) if start_index not in (None, "") else 1
        n = int(count) if count not in (None, "") else 100
    except ValueError as exc:
        raise invalid_value("startIndex and count must be integers.") from exc
    return max(start, 1), min(max(n, 0), 200)


def response_parameters(
    model: Any, attributes: str | None, excluded: str | None
) -> ResponseParameters[Any] | None:
    """``?attributes=`` / ``?excludedAttributes=`` checked against ``model``'s schema (400 invalidPath)."""
    if not attributes and not excluded:
        return None
    if attributes and excluded:
        raise invalid_value("attributes and excludedAttributes are mutually exclusive.")
    try:
        return ResponseParameters[model](attributes=attributes or None, excluded_attributes=excluded or None)  # type: ignore[no-any-return,valid-type]
    except ValidationError as exc:
        raise invalid_path(f"Not an attribute of the resource: {attributes or excluded}.") from exc


class ScimErrorMiddleware:
    """Under ``/scim/v2``, any problem document (an unknown path, a method not allowed, a body too large,
    a limit of the app factory) is answered as a SCIM error body in ``application/scim+json`` instead."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/scim/v2"):
            await self.app(scope, receive, send)
            return
        start: dict[str, Any] | None = None
        chunks: list[bytes] = []

        async def capture(message: dict[str, Any]) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = {k.lower(): v for k, v in message.get("headers", [])}
                if headers.get(b"content-type", b"").startswith(PROBLEM_MEDIA_TYPE.encode()):
                    start = message
                    return
            elif message["type"] == "http.response.body" and start is not None:
                chunks.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                await _send_scim(start, b"".join(chunks), send)
                return
            await send(message)

        await self.app(scope, receive, capture)


async def _send_scim(start: dict[str, Any], body: bytes, send: Any) -> None:
    import json

    status = int(start["status"])
    try:
        problem = json.loads(body)
        detail = str(problem.get("detail") or problem.get("title") or "")
    except ValueError:
        detail = ""
    scim_type = {409: "uniqueness", 413: "tooMany"}.get(status)
    if status == 400:
        scim_type = "invalidSyntax"
    error: dict[str, Any] = {"schemas": [ERROR_SCHEMA], "status": str(status), "detail": detail or "Error"}
    if scim_type:
        error["scimType"] = scim_type
    payload = json.dumps(error).encode()
    keep = [
        (k, v) for k, v in start.get("headers", []) if k.lower() not in (b"content-type", b"content-length")
    ]
    headers = [
        *keep,
        (b"content-type", SCIM_MEDIA_TYPE.encode()),
        (b"content-length", str(len(payload)).encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
