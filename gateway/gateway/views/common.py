"""What every composed view shares: concurrent upstream calls with a timeout each and one
deadline for the whole view, and the list of parts that could not be fetched."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Awaitable, Coroutine
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

from fastapi import Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from gateway.config import BY_NAME, UpstreamSpec
from gateway.security import may_see_personal_data, strip_personal
from gateway.upstreams import UpstreamError, Upstreams, UpstreamTimeout
from hanke_libs.auth import Principal
from hanke_libs.links import map_links
from hanke_libs.observability import current_request_id
from hanke_libs.problems import NotFound

ProjectCode = Annotated[
    str,
    Path(
        min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$", description='Project code, e.g. "S21894"'
    ),
]
PilotId = Annotated[
    str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$", description="The pilot's id")
]


T = TypeVar("T")
_TOKEN = re.compile(r"[^A-Za-z0-9!#$%&'*+.^_`|~-]")


class MissingPart(BaseModel):
    """A part of a view that could not be fetched; the view answers with the rest."""

    part: str = Field(description="Which part of the view is missing")
    service: str = Field(description="The service that should have given it")
    reason: str = Field(description="Why: unavailable, timeout, deadline, forbidden, not found, ...")
    status: int | None = Field(default=None, description="The upstream's HTTP status, if it answered")


class ViewBase(BaseModel):
    missing: list[MissingPart] = Field(
        default_factory=list, description="Parts left out because their service failed; empty when complete"
    )


class Fanout:
    """The upstream calls of one view request.

    Calls run concurrently; each is limited by the upstream timeout and by what is left of the
    view's deadline. A failed call returns ``None`` and adds a :class:`MissingPart`; it never raises.
    """

    def __init__(self, request: Request, principal: Principal) -> None:
        self.upstreams: Upstreams = request.app.state.upstreams
        self.settings = request.app.state.settings
        self.principal = principal
        loop = asyncio.get_running_loop()
        self._loop = loop
        self._deadline_at = loop.time() + self.settings.view_deadline_seconds
        self.missing: list[MissingPart] = []
        self._asked: dict[str, int] = {}  # part -> when its call was made, to list what is missing in order
        self.statuses: dict[str, int] = {}
        self._tasks: list[asyncio.Task[Any]] = []
        self._started = time.perf_counter()  # uvloop's loop.time() has only ms resolution
        self.timings: dict[str, float] = {}  # part -> seconds the upstream call took
        self.headers = {"accept": "application/json"}
        authorization = request.headers.get("authorization")
        if authorization:
            self.headers["authorization"] = authorization
        rid = current_request_id()
        if rid:
            self.headers["x-request-id"] = rid

    def remaining(self) -> float:
        return self._deadline_at - self._loop.time()

    def miss(self, part: str, service: str, reason: str, status: int | None = None) -> None:
        self.missing.append(MissingPart(part=part, service=service, reason=reason, status=status))

    async def get(self, part: str, service: str, path: str, params: dict[str, str] | None = None) -> Any:
        """GET ``path`` from ``service`` as JSON, or ``None`` (recorded as missing)."""
        self._asked.setdefault(part, len(self._asked))
        remaining = self.remaining()
        if remaining <= 0.001:
            self.miss(part, service, "deadline: the view's deadline passed before the call")
            return None
        timeout = min(self.settings.upstream_timeout_seconds, remaining)
        by_deadline = timeout < self.settings.upstream_timeout_seconds
        target = path
        if params:
            target += "?" + "&".join(f"{quote(k)}={quote(str(v), safe='')}" for k, v in params.items())
        started = time.perf_counter()
        try:
            resp = await self.upstreams[service].request(
                "GET", target, headers=self.headers, timeout_seconds=timeout
            )
        except UpstreamTimeout:
            reason = "deadline: the view's deadline passed" if by_deadline else "timeout"
            self.miss(part, service, f"{reason} (no answer within {timeout:.2g} s)", 504)
            return None
        except UpstreamError as exc:
            self.miss(part, service, f"unavailable: {exc.reason}", exc.status)
            return None
        finally:
            self.timings[part] = time.perf_counter() - started
        self.statuses[part] = resp.status
        if resp.status >= 400:
            self.miss(part, service, _reason(resp.status, resp.body), resp.status)
            return None
        try:
            return public_links(resp.json(), BY_NAME[service])
        except ValueError:
            self.miss(part, service, "invalid: the answer was not JSON", resp.status)
            return None

    def start(
        self, part: str, service: str, path: str, params: dict[str, str] | None = None
    ) -> asyncio.Task[Any]:
        return self.spawn(self.get(part, service, path, params))

    def spawn(self, calls: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        """Run ``calls`` (a coroutine making calls of this view) concurrently; cancelled with the view."""
        task = asyncio.ensure_future(calls)
        self._tasks.append(task)
        return task

    async def gather(self, *calls: Awaitable[Any]) -> list[Any]:
        return list(await asyncio.gather(*calls))

    def cancel(self) -> None:
        for task in self._tasks:
            if not task.done():
                task.cancel()

    def project_unknown(self, parts: list[str]) -> bool:
        """Whether the services that own projects say the project does not exist: at least one of
        ``parts`` (reads of the project from budget and pilots) answered 404 and none answered it.
        Services that accept any project code (participants) are not asked."""
        statuses = [self.statuses.get(p) for p in parts]
        return 404 in statuses and not any(s is not None and s < 400 for s in statuses)

    def respond(self, body: dict[str, Any]) -> JSONResponse:
        """The view's body with its missing parts, personal data removed for aggregate-only roles.

        The parts are the services' JSON as they sent it, so it is answered as is (the route's
        response model documents the shape without validating the services' output again).
        """
        # In the order the parts were asked for, not the order their calls failed in (which the
        # services' timing decides), so the same failures give the same body.
        order = sorted(self.missing, key=lambda m: self._asked.get(m.part, len(self._asked)))
        body["missing"] = [m.model_dump() for m in order]
        if not may_see_personal_data(self.principal):
            body = strip_personal(body)
        return JSONResponse(body, headers={"Server-Timing": self.server_timing()})

    def server_timing(self) -> str:
        """Each upstream call's duration and the view's total so far (``Server-Timing``, ms)."""
        metrics = [f"{_TOKEN.sub('_', part)};dur={s * 1000:.1f}" for part, s in self.timings.items()]
        metrics.append(f"total;dur={(time.perf_counter() - self._started) * 1000:.1f}")
        return ", ".join(metrics)


def public_links(value: Any, spec: UpstreamSpec) -> Any:
    """Links inside a service's JSON (``"ledger": "/projects/S21894/costs?..."``) as the caller
    reaches them through the gateway (``/api/v1/budget/projects/...``)."""
    return map_links(value, spec.public_path)


def _reason(status: int, body: bytes) -> str:
    kind = {401: "unauthorized", 403: "forbidden", 404: "not found", 409: "conflict"}.get(
        status, "error" if status >= 500 else "rejected"
    )
    detail = ""
    try:
        data = json.loads(body)
        if isinstance(data, dict) and isinstance(data.get("detail"), str):
            detail = data["detail"][:200]
    except ValueError:
        pass
    return f"{kind}: {detail}" if detail else kind


def raise_not_found(what: str) -> None:
    raise NotFound(f"{what} does not exist (the budget and pilots services do not know it).")


def ids_in(value: Any, key: str = "pilot_id", list_keys: tuple[str, ...] = ("pilots", "items")) -> list[str]:
    """Every ``key`` value (and ``key + "s"`` list) in ``value`` at any depth, plus the ``id`` of
    records in lists under ``list_keys``; in order of appearance, without duplicates."""
    found: list[str] = []

    def walk(node: Any, parent_key: str | None) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k == key and isinstance(v, str):
                    found.append(v)
                elif k == key + "s" and isinstance(v, list):
                    found.extend(i for i in v if isinstance(i, str))
                elif k == "id" and parent_key in list_keys and isinstance(v, str | int):
                    found.append(str(v))
                else:
                    walk(v, k)
        elif isinstance(node, list):
            for item in node:
                walk(item, parent_key)

    walk(value, None)
    return list(dict.fromkeys(found))
