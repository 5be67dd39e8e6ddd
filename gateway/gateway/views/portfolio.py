"""The city's portfolio view: every funded project the caller may see, with its money, pilots,
champions and reporting obligations, composed from the four services as the caller."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from gateway.views.common import Fanout, ViewBase
from hanke_libs.auth import Principal, Role, require_roles
from hanke_libs.inputs import StrictDate
from hanke_libs.problems import ProblemError, UpstreamProblem

router = APIRouter()
# Who reads projects in the budget service, which lists them (docs/access/budget.md: GET /projects).
Reader = Annotated[
    Principal,
    Depends(require_roles(Role.admin, Role.project_manager, Role.finance, Role.steering, Role.auditor)),
]
Item = dict[str, Any]
ProjectStatus = Literal["planned", "running", "ended"]
MAX_PROJECTS = 2000  # read from the budget service's list, 200 a page
LIST_PAGE = 200
OBLIGATION_FIELDS = ("kind", "sequence", "period_start", "period_end", "effective_due", "status", "days_left")


class PortfolioProject(BaseModel):
    """One project of the portfolio; a part its service did not give is null (see ``missing``)."""

    code: str
    name: str
    funder: str
    programme: str
    status: ProjectStatus = Field(description="On as_of: planned (before the period), running, ended")
    period_start: dt.date
    period_end: dt.date
    implementers: list[str] = Field(description="Business ids of the implementers, the lead first")
    budget: Item | None = Field(
        description="Version in force on as_of, planned, used (eligible actual), remaining, utilisation "
        "(budget: /projects/{code}/summary); finance: its implementer's part (`scope`)"
    )
    own_funding_caps: list[Item] | None = Field(description="Own funding against each cap on as_of")
    esr: Item | None = Field(
        description="ESR claimed (claimable ESR of claims submitted by as_of) and paid (approved amount of "
        "those claims now paid) (budget: /projects/{code}/claims; not readable by steering)"
    )
    pilots_by_stage: dict[str, int] | None = Field(
        description="pilots: /projects/{code}/portfolio as of the day"
    )
    champions: int | None = Field(description="Champions enrolled on as_of (participants)")
    next_obligation: Item | None = Field(
        description="The next reporting obligation not done (reports calendar)"
    )
    overdue: list[Item] | None = Field(description="Obligations overdue on as_of")
    calendar: bool | None = Field(description="Whether the project has a reporting calendar")


class PortfolioView(ViewBase):
    """The portfolio, one page of projects (by code), in the envelope of every list."""

    as_of: dt.date
    items: list[PortfolioProject]
    limit: int
    offset: int
    total: int = Field(description="Projects matching the filters")
    next_offset: int | None


def project_status(project: Item, as_of: dt.date) -> ProjectStatus:
    if as_of < dt.date.fromisoformat(project["period_start"]):
        return "planned"
    return "ended" if as_of > dt.date.fromisoformat(project["period_end"]) else "running"


def _implementers(project: Item) -> list[str]:
    rows = sorted(project.get("implementers") or [], key=lambda i: i.get("role") != "lead")
    return [str(i.get("business_id")) for i in rows]


def _amount(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if value is not None else Decimal(0)
    except InvalidOperation:
        return Decimal(0)


def esr_totals(claims: list[Item], as_of: dt.date) -> Item:
    """ESR claimed: claimable ESR of the claims submitted by ``as_of``; paid: approved amounts of
    those now paid."""
    claimed = paid = Decimal(0)
    submitted = 0
    for claim in claims:
        at = claim.get("submitted_at")
        if claim.get("status") == "draft" or not at or dt.date.fromisoformat(at[:10]) > as_of:
            continue
        submitted += 1
        claimed += _amount(claim.get("claimable_esr"))
        if claim.get("status") == "paid":
            paid += _amount(claim.get("approved_amount"))
    return {"claimed": f"{claimed:.2f}", "paid": f"{paid:.2f}", "claims_submitted": submitted}


def obligations(calendar: Item) -> tuple[Item | None, list[Item]]:
    """The next obligation not done and those overdue, from the calendar's statuses."""
    rows = [{k: o.get(k) for k in OBLIGATION_FIELDS} for o in calendar.get("obligations") or []]
    rows.sort(key=lambda o: str(o["effective_due"]))
    pending = [o for o in rows if o["status"] in ("upcoming", "due_soon")]
    return (pending[0] if pending else None), [o for o in rows if o["status"] == "overdue"]


async def _all_projects(fan: Fanout) -> list[Item]:
    """Every project the budget service lets the caller read; 503 when it cannot be asked."""
    found: list[Item] = []
    offset = 0
    while offset < MAX_PROJECTS:
        page = await fan.get(
            "projects", "budget", "/projects", {"limit": str(LIST_PAGE), "offset": str(offset)}
        )
        if page is None:
            gone = fan.missing[-1]
            if gone.status is not None and 400 <= gone.status < 500:
                raise ProblemError(
                    f"The budget service, which lists the projects, refused: {gone.reason}.",
                    status=gone.status,
                    service="budget",
                )
            raise UpstreamProblem(
                f"The budget service, which lists the projects, could not be asked ({gone.reason}).",
                status=gone.status if gone.status in (502, 503, 504) else 502,
                service="budget",
            )
        found.extend(page.get("items") or [])
        if page.get("next_offset") is None:
            break
        offset = int(page["next_offset"])
    return found


async def _one(fan: Fanout, project: Item, as_of: dt.date) -> PortfolioProject:
    code = project["code"]
    q = quote(code, safe="")
    day = {"as_of": as_of.isoformat()}
    summary, claims, pilots, people, calendar = await fan.gather(
        fan.get(f"{code}.budget", "budget", f"/projects/{q}/summary", day),
        fan.get(f"{code}.claims", "budget", f"/projects/{q}/claims", {"limit": str(LIST_PAGE)}),
        fan.get(f"{code}.pilots", "pilots", f"/projects/{q}/portfolio", day),
        fan.get(f"{code}.champions", "participants", f"/projects/{q}/situation", day),
        fan.get(f"{code}.reporting", "reports", f"/projects/{q}/calendar", {"date": as_of.isoformat()}),
    )
    has_calendar: bool | None = calendar is not None
    if calendar is None and fan.statuses.get(f"{code}.reporting") == 404:
        # no calendar set yet: a fact about the project, not a failure
        fan.missing[:] = [m for m in fan.missing if m.part != f"{code}.reporting"]
        has_calendar = False
    elif calendar is None:
        has_calendar = None
    next_one, overdue = obligations(calendar) if calendar else (None, [] if has_calendar is False else None)
    budget = None
    if summary is not None:
        keys = (
            "as_of",
            "budget",
            "scope",
            "planned_total",
            "actual_eligible",
            "remaining",
            "utilisation_percent",
        )
        budget = {k: summary.get(k) for k in keys}
    return PortfolioProject(
        code=code,
        name=project["name"],
        funder=project["funder"],
        programme=project["programme"],
        status=project_status(project, as_of),
        period_start=project["period_start"],
        period_end=project["period_end"],
        implementers=_implementers(project),
        budget=budget,
        own_funding_caps=summary.get("own_funding_caps") if summary is not None else None,
        esr=esr_totals(claims.get("items") or [], as_of) if claims is not None else None,
        pilots_by_stage=pilots.get("by_stage") if pilots is not None else None,
        champions=sum(int(r.get("champions") or 0) for r in people.get("champions_by_sector") or [])
        if people is not None
        else None,
        next_obligation=next_one,
        overdue=overdue,
        calendar=has_calendar,
    )


def matches(
    project: Item, as_of: dt.date, implementer: str | None, funder: str | None, status: str | None
) -> bool:
    if implementer and implementer not in _implementers(project):
        return False
    if funder and funder.casefold() != str(project.get("funder", "")).casefold():
        return False
    return not (status and status != project_status(project, as_of))


@router.get("/portfolio", response_model=PortfolioView, summary="The city's portfolio of funded projects")
async def portfolio(
    request: Request,
    principal: Reader,
    as_of: Annotated[
        StrictDate | None, Query(description="Day of the figures and statuses (default today)")
    ] = None,
    implementer: Annotated[
        str | None,
        Query(max_length=20, pattern=r"^[0-9A-Za-z-]+$", description="Only projects it implements"),
    ] = None,
    funder: Annotated[
        str | None, Query(min_length=1, max_length=200, description="Only this funder's")
    ] = None,
    status: Annotated[ProjectStatus | None, Query(description="planned, running or ended on as_of")] = None,
    limit: Annotated[int, Query(ge=1, le=50, description="Projects per page (at most 50)")] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_PROJECTS)] = 0,
) -> JSONResponse:
    """Admin, project manager, finance, steering, auditor. Every project the caller may read in the
    budget service (finance: those its implementer takes
    part in), by code, with its period, the budget in force, used and remaining, ESR claimed and paid,
    own funding against the caps, pilots by stage, champions, the next reporting obligation and what
    is overdue, each part fetched concurrently as the caller. A part whose service fails or refuses
    the caller is null and listed in ``missing``; steering gets no personal data."""
    day = as_of or dt.date.today()
    fan = Fanout(request, principal)
    try:
        projects = [p for p in await _all_projects(fan) if matches(p, day, implementer, funder, status)]
        projects.sort(key=lambda p: str(p["code"]))
        page = projects[offset : offset + limit]
        items = await fan.gather(*(_one(fan, p, day) for p in page))
    finally:
        fan.cancel()
    more = offset + limit < len(projects)
    return fan.respond(
        {
            "as_of": day.isoformat(),
            "items": [i.model_dump(mode="json") for i in items],
            "limit": limit,
            "offset": offset,
            "total": len(projects),
            "next_offset": offset + limit if more else None,
        }
    )
