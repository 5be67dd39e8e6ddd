"""Reports: create, read, narrative sections, the live draft as a document; the live interim
evaluation of a project (what the gateway's interim-evaluation view answers)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from hanke_libs.auth import Principal, Role
from hanke_libs.db import SessionDep
from hanke_libs.etag import IF_MATCH_RESPONSES, OptionalIfMatchDep, set_etag, stale_as_412
from hanke_libs.inputs import Id, StrictDate
from hanke_libs.paging import Page, PageDep, offset_page
from hanke_libs.peers import PeerUnavailable
from hanke_libs.personal import redact_for
from hanke_libs.problems import Forbidden, NotFound
from reports import access
from reports.calendar.rules import add_months
from reports.document.build import narrative_keys
from reports.drafting import service, snapshot
from reports.drafting.collect import collect
from reports.models import Report
from reports.models.types import utcnow
from reports.render.respond import respond, wanted
from reports.routes.common import (
    Code,
    Format,
    Lang,
    Manager,
    Narrator,
    Reader,
    collector,
    peers_of,
    settings_of,
)
from reports.schemas.reports import (
    NarrativeIn,
    NarrativePublic,
    ReportCreate,
    ReportPublic,
    SectionKey,
    VersionSummary,
)

router = APIRouter(tags=["reports"])
ReportId = Annotated[Id, Path()]
DOCUMENT: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "application/json": {},
            "text/html": {},
            "application/pdf": {},
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {},
        }
    },
    406: {"description": "The format asked for is not offered"},
}


async def public(session: SessionDep, report: Report, principal: Principal) -> ReportPublic:
    assert report.id is not None
    sections = await service.sections(session, report.id)
    versions = await service.versions(session, report.id)
    keys = (
        ["summary", "goal:1", "goal:2", "goal:3", "goal:4", "impact"]
        if report.kind != "claim_cover"
        else ["summary"]
    )
    return redact_for(
        principal,
        ReportPublic(
            id=report.id,
            project_code=report.project_code,
            kind=report.kind,
            title=report.title,  # type: ignore[arg-type]
            as_of=report.as_of,
            period_start=report.period_start,
            period_end=report.period_end,
            claim_number=report.claim_number,
            obligation_id=report.obligation_id,
            version=report.version,
            created_by=report.created_by,
            created_at=report.created_at,
            narrative=[NarrativePublic.model_validate(s, from_attributes=True) for s in sections],
            narrative_keys=keys + sorted({s.key for s in sections} - set(keys)),
            versions=[VersionSummary.model_validate(v, from_attributes=True) for v in versions],
            links=service.links(report),
        ),
    )


@router.post(
    "/projects/{code}/reports", status_code=201, response_model=ReportPublic, summary="Start a report"
)
async def create_report(
    code: Code, body: ReportCreate, session: SessionDep, principal: Manager, response: Response
) -> ReportPublic:
    """Start a report of the project (its kind and the day it is as of); answers 201 with the
    report's Location and ETag."""
    report = await service.create(session, code=code, data=body, actor=principal)
    response.headers["Location"] = f"/reports/{report.id}"
    set_etag(response, report.version)
    return await public(session, report, principal)


@router.get("/projects/{code}/reports", response_model=Page[ReportPublic], summary="A project's reports")
async def list_reports(
    code: Code, session: SessionDep, principal: Reader, page: PageDep
) -> Page[ReportPublic]:
    """The project's reports, a page at a time."""
    rows = await service.list_for(session, code, offset=page.offset, limit=page.limit)
    return offset_page([await public(session, r, principal) for r in rows], page)


@router.get(
    "/reports/{report_id}",
    response_model=ReportPublic,
    summary="A report: what it covers, its narrative, its versions",
)
async def read_report(
    report_id: ReportId, session: SessionDep, principal: Reader, response: Response
) -> ReportPublic:
    """A report: what it covers, its narrative sections and its frozen versions; the ETag is sent
    back as If-Match to change a section."""
    report = await service.get(session, report_id)
    set_etag(response, report.version)
    return await public(session, report, principal)


async def _may_narrate(request: Request, principal: Principal, key: str) -> None:
    if access.is_manager(principal):
        return
    if not (key.startswith("pilot:") and principal.has(Role.pilot_owner)):
        raise Forbidden(
            "Only a project manager or an admin writes this section; a pilot's owner writes its pilot's.",
            slug="not-narrator",
        )
    pilot_id = key.split(":", 1)[1]
    try:
        answer = await peers_of(request)["pilots"].get(f"/pilots/{pilot_id}", principal)
    except PeerUnavailable:
        raise
    owner = answer.body.get("owner_id") if answer.ok and isinstance(answer.body, dict) else None
    if owner != principal.person_id:
        raise Forbidden(
            f"The pilots service does not name you as the owner of pilot {pilot_id}.", slug="not-pilot-owner"
        )


@router.put(
    "/reports/{report_id}/narrative/{key}",
    response_model=NarrativePublic,
    responses={**IF_MATCH_RESPONSES, 201: {"description": "A new section was written (no If-Match needed)"}},
    summary="Write a narrative section (If-Match to change one)",
)
async def put_narrative(
    report_id: ReportId,
    key: Annotated[SectionKey, Path()],
    body: NarrativeIn,
    request: Request,
    session: SessionDep,
    principal: Narrator,
    response: Response,
    if_match: OptionalIfMatchDep,
) -> NarrativePublic:
    """Keys: ``summary``, ``goal:1``…``goal:4``, ``impact``, ``pilot:<pilot id>``. A new section needs no
    If-Match; changing one needs its ETag (412 when someone changed it meanwhile)."""
    report = await service.get(session, report_id)
    await _may_narrate(request, principal, key)
    with stale_as_412():
        section, created = await service.put_section(
            session, report=report, key=key, data=body, actor=principal, if_match=if_match
        )
    if created:
        response.status_code = 201
    set_etag(response, section.version)
    return NarrativePublic.model_validate(section, from_attributes=True)


@router.get(
    "/reports/{report_id}/draft",
    summary="The report drafted now from live data as of its day",
    response_class=Response,
    responses=DOCUMENT,
)
async def draft(
    report_id: ReportId, request: Request, principal: Reader, format: Format = None, lang: Lang = None
) -> Response:
    """The report drafted now from the services' live data as of its day, with the narrative written
    so far, as JSON, HTML, PDF or DOCX; nothing is stored."""
    async with request.app.state.db.read_session() as session:
        report = await service.get(session, report_id)
        fmt, language = wanted(request, report.kind, format, lang)
        sections = snapshot.narrative(await service.sections(session, report_id))
    c = collector(request, principal)
    sources = await collect(
        c, kind=report.kind, code=report.project_code, as_of=report.as_of, claim_number=report.claim_number
    )
    snap = snapshot.make(
        header=snapshot.report_header(report),
        sources=sources,
        sections=sections,
        drafted_at=utcnow().replace(microsecond=0),
    )
    return await respond(
        snap,
        fmt,
        language,
        link_base=settings_of(request).gateway_base_url,
        filename=f"{report.project_code}-{report.kind}-draft",
        principal=principal,
        extra={"narrative_keys": narrative_keys(snap)},
    )


def one_year_after(start: dt.date) -> dt.date:
    return add_months(start, 12)


@router.get(
    "/projects/{code}/interim-evaluation",
    summary="The interim evaluation (väliarviointi) drafted now from live data, without storing it",
    response_class=Response,
    responses=DOCUMENT,
)
async def interim_evaluation(
    code: Code,
    request: Request,
    principal: Reader,
    as_of: Annotated[
        StrictDate | None, Query(description="Default: one year after the project's start")
    ] = None,
    format: Format = None,
    lang: Lang = None,
) -> Response:
    """The interim evaluation (väliarviointi) of the project drafted now from live data as of a day
    (default: one year after its start); nothing is stored."""
    fmt, language = wanted(request, "interim_evaluation", format, lang)
    c = collector(request, principal)
    if as_of is None:
        project = await c.fetch("budget.project", "budget", "/projects/{code}", code=code)
        if project["status"] == 404:
            raise NotFound(f"Project {code!r} is not known to the budget service.")
        if project["status"] in (401, 403):  # callers who may not read budgets (a pilot owner)
            project = await c.fetch("pilots.project", "pilots", "/projects/{code}", code=code)
        start = (project.get("body") or {}).get("period_start")
        if not start:
            raise NotFound(f"The start of project {code!r} is not known ({project['error']}); pass as_of.")
        as_of = one_year_after(dt.date.fromisoformat(str(start)[:10]))
    sources = await collect(c, kind="interim_evaluation", code=code, as_of=as_of)
    if sources["budget.project"]["status"] == 404:
        raise NotFound(f"Project {code!r} is not known to the budget service.")
    header = {
        "id": None,
        "project_code": code,
        "kind": "interim_evaluation",
        "title": None,
        "as_of": as_of.isoformat(),
        "period_start": None,
        "period_end": None,
        "claim_number": None,
    }
    snap = snapshot.make(
        header=header, sources=sources, sections=[], drafted_at=utcnow().replace(microsecond=0)
    )
    return await respond(
        snap,
        fmt,
        language,
        link_base=settings_of(request).gateway_base_url,
        filename=f"{code}-valiarviointi-{as_of.isoformat()}",
        principal=principal,
    )
