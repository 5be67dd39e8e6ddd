"""``POST /api/v1/projects``: one call creates a funded project in every service that keeps
projects (budget: project and funding plan; pilots: the project reference; reports: the reporting
calendar, when its rules are sent), as the caller.

The steps run in that order. When a later step fails, the earlier ones are undone with each
service's ``DELETE`` of an empty project, so no half-created project is left (ADR 0010).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator

from gateway.config import BY_NAME
from gateway.upstreams import UpstreamError, UpstreamResponse, UpstreamTimeout
from gateway.views.common import public_links
from hanke_libs.auth import Principal, Role, require_roles
from hanke_libs.inputs import StrictDate
from hanke_libs.observability import current_request_id
from hanke_libs.problems import InvalidParam, ProblemError, UpstreamProblem

router = APIRouter(prefix="/api/v1", tags=["projects"])
Creator = Annotated[Principal, Depends(require_roles(Role.admin, Role.project_manager))]
Item = dict[str, Any]


class ProjectCreate(BaseModel):
    """A new funded project: the budget service's create body (``POST /api/v1/budget/projects``:
    implementers, funding sources, own-funding caps; the budget service checks them) and, optionally,
    the reporting calendar's rules (``PUT /api/v1/reports/projects/{code}/calendar``)."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$", examples=["S30001"])
    name: str = Field(min_length=1, max_length=300)
    funder: str = Field(min_length=1, max_length=200)
    programme: str = Field(min_length=1, max_length=300)
    period_start: StrictDate
    period_end: StrictDate
    cost_model: str = Field(min_length=1, max_length=40, description="As in the budget service")
    implementers: list[Item] = Field(min_length=1, max_length=50, description="{business_id, name, role}")
    funding_sources: list[Item] = Field(
        min_length=1, max_length=20, description="{code, name, kind, share_percent}"
    )
    own_funding_caps: list[Item] = Field(default_factory=list, max_length=500)
    objectives: list[str] = Field(default_factory=list, max_length=20)
    pilots_min: int | None = Field(default=None, ge=0, le=1000)
    pilots_max: int | None = Field(default=None, ge=0, le=1000)
    reporting_calendar: Item | None = Field(
        default=None, description="The calendar's rules (reports service's CalendarRules); none: set later"
    )

    @model_validator(mode="after")
    def _period(self) -> ProjectCreate:
        if self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")
        return self

    def budget_body(self) -> Item:
        return self.model_dump(mode="json", exclude={"reporting_calendar"}, exclude_none=True)

    def pilots_body(self) -> Item:
        start, end = self.period_start.isoformat(), self.period_end.isoformat()
        return {"code": self.code, "name": self.name, "period_start": start, "period_end": end}


class ProjectCreated(BaseModel):
    code: str
    budget: Item = Field(description="The project as the budget service created it")
    pilots: Item = Field(description="The project reference in the pilots service")
    reports: Item | None = Field(description="The reporting calendar, when its rules were sent")
    period_start: dt.date
    period_end: dt.date


@dataclass
class Steps:
    """The calls of one create, and what they made (to undo)."""

    request: Request
    code: str
    done: list[str] = field(default_factory=list)  # services where this call created the project

    def headers(self) -> dict[str, str]:
        headers = {"accept": "application/json", "content-type": "application/json"}
        for name in ("authorization", "accept-language"):
            if value := self.request.headers.get(name):
                headers[name] = value
        if rid := current_request_id():
            headers["x-request-id"] = rid
        return headers

    async def call(self, service: str, method: str, path: str, body: Item | None = None) -> UpstreamResponse:
        settings = self.request.app.state.settings
        return await self.request.app.state.upstreams[service].request(
            method,
            path,
            headers=self.headers(),
            body=json.dumps(body).encode() if body is not None else None,
            timeout_seconds=settings.upstream_timeout_seconds,
        )

    async def undo(self, extra: str | None = None) -> list[str]:
        """Delete what this call created, latest first (and ``extra``, whose step may have taken
        effect without an answer); the services where that failed."""
        left = []
        for service in ([extra] if extra else []) + list(reversed(self.done)):
            try:
                resp = await self.call(service, "DELETE", f"/projects/{quote(self.code, safe='')}")
            except UpstreamError:
                left.append(service)
                continue
            if resp.status >= 400 and not (resp.status == 404 and service == extra):
                left.append(service)
        return left


def _problem_of(resp: UpstreamResponse) -> tuple[str, str | None, list[InvalidParam] | None]:
    """The detail, slug and invalid parameters of a service's problem document."""
    try:
        data = resp.json()
    except ValueError:
        return f"it answered {resp.status}", None, None
    if not isinstance(data, dict):
        return f"it answered {resp.status}", None, None
    detail = str(data["detail"]) if isinstance(data.get("detail"), str) else f"it answered {resp.status}"
    slug = str(data["type"]).rsplit("/", 1)[-1] if isinstance(data.get("type"), str) else None
    try:
        errors = [InvalidParam.model_validate(e) for e in data.get("errors") or []] or None
    except ValueError:
        errors = None
    return detail, slug, errors


async def _failed(
    steps: Steps, service: str, exc: UpstreamError | None, resp: UpstreamResponse | None
) -> None:
    """Undo the earlier steps and raise the problem naming ``service``."""
    maybe_done = service if isinstance(exc, UpstreamTimeout) and service != "reports" else None
    undoing = list(reversed(steps.done)) + ([maybe_done] if maybe_done else [])
    left = await steps.undo(maybe_done)
    if left:
        kept = (
            f" Undoing the earlier steps failed: project {steps.code} is left in {', '.join(left)}; "
            f"remove it there (DELETE /api/v1/<service>/projects/{steps.code}) and repeat this call."
        )
    else:
        kept = f" Nothing was left behind: undone in {', '.join(undoing)}." if undoing else ""
    if resp is not None and 400 <= resp.status < 500:
        detail, slug, errors = _problem_of(resp)
        raise ProblemError(
            f"The {service} service refused the project: {detail}{kept}",
            status=resp.status,
            slug=slug,
            errors=errors,
            service=service,
            left_in=left,
        )
    if exc is not None:
        raise UpstreamProblem(
            f"The {service} service {exc.reason}.{kept}",
            status=exc.status,
            slug=exc.slug,
            title=exc.title,
            service=service,
            left_in=left,
        )
    status = resp.status if resp is not None else 0
    raise UpstreamProblem(
        f"The {service} service failed (it answered {status}).{kept}",
        status=502,
        slug="bad-gateway",
        title="Bad answer from an upstream service",
        service=service,
        left_in=left,
    )


async def _step(steps: Steps, service: str, method: str, path: str, body: Item) -> Item:
    try:
        resp = await steps.call(service, method, path, body)
    except UpstreamError as exc:
        await _failed(steps, service, exc, None)
        raise  # not reached: _failed raises
    # An identical pilots reference or calendar made earlier (by hand, or by a call whose answer
    # was lost) counts as this step done; it is kept, not undone (ADR 0010).
    exists = (service == "pilots" and resp.status == 409) or (service == "reports" and resp.status == 428)
    if exists and (same := await _same_existing(steps, service, path, body)) is not None:
        return same
    if resp.status >= 300:
        await _failed(steps, service, None, resp)
    if service != "reports":
        steps.done.append(service)
    result: Item = public_links(resp.json(), BY_NAME[service])
    return result


async def _same_existing(steps: Steps, service: str, path: str, body: Item) -> Item | None:
    """What ``service`` already holds for this step, if every field sent has the same value there."""
    if service == "pilots":
        path = f"{path}/{quote(steps.code, safe='')}"
    try:
        resp = await steps.call(service, "GET", path)
    except UpstreamError:
        return None
    if resp.status != 200:
        return None
    found = resp.json()
    if not isinstance(found, dict) or any(_norm(found.get(k)) != _norm(v) for k, v in body.items()):
        return None
    result: Item = public_links(found, BY_NAME[service])
    return result


def _norm(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


@router.post(
    "/projects",
    status_code=201,
    response_model=ProjectCreated,
    summary="Create a funded project in every service at once",
    responses={
        409: {"description": "The budget service has a project with this code"},
        502: {"description": "A service failed; the steps before were undone (`left_in` lists any left)"},
        503: {"description": "A service is unavailable; the steps before were undone"},
    },
)
async def create_project(body: ProjectCreate, request: Request, principal: Creator) -> JSONResponse:
    """Admin or project manager. Creates the project with its funding plan in the budget service,
    its reference in the pilots service and, when ``reporting_calendar`` is sent, its reporting
    calendar in the reports service, each with the caller's token. If a step fails, the steps before
    it are undone (each service's ``DELETE /projects/{code}`` of a project that holds no data), and
    the answer is the failing service's problem: its own 4xx, or 502/503/504 naming it. ``Location``
    is the project in the budget service."""
    steps = Steps(request, body.code)
    code = quote(body.code, safe="")
    budget = await _step(steps, "budget", "POST", "/projects", body.budget_body())
    pilots = await _step(steps, "pilots", "POST", "/projects", body.pilots_body())
    reports = None
    if body.reporting_calendar is not None:
        reports = await _step(steps, "reports", "PUT", f"/projects/{code}/calendar", body.reporting_calendar)
    created = ProjectCreated(
        code=body.code,
        budget=budget,
        pilots=pilots,
        reports=reports,
        period_start=body.period_start,
        period_end=body.period_end,
    )
    location = BY_NAME["budget"].public_path(f"/projects/{code}")
    return JSONResponse(created.model_dump(mode="json"), status_code=201, headers={"Location": location})
