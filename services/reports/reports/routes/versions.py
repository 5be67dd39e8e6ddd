"""Frozen versions: freeze, list, show in any format, compare two."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from hanke_libs.db import SessionDep
from hanke_libs.etag import OptionalIfMatchDep
from hanke_libs.inputs import Id
from hanke_libs.personal import redact_for
from reports.drafting import service
from reports.drafting.collect import collect
from reports.render.respond import respond, wanted
from reports.routes.common import Format, Lang, Manager, Reader, collector, settings_of
from reports.routes.reports import DOCUMENT, ReportId
from reports.schemas.reports import FreezeRequest, VersionDiff, VersionSummary
from reports.versions import diff, freeze

router = APIRouter(tags=["versions"])
Number = Annotated[Id, Path()]


@router.post(
    "/reports/{report_id}/versions",
    status_code=201,
    response_model=VersionSummary,
    summary="Freeze the report as a new numbered version",
)
async def freeze_version(
    report_id: ReportId,
    request: Request,
    session: SessionDep,
    principal: Manager,
    response: Response,
    if_match: OptionalIfMatchDep,
    body: FreezeRequest | None = None,
) -> VersionSummary:
    """Fetches every figure as of the report's day (with your token), then stores the snapshot and the
    narrative as version ``n`` (the next number; concurrent freezes get consecutive ones). If-Match
    with the report's ETag is optional: when sent, a report changed meanwhile is 412."""
    async with request.app.state.db.read_session() as read:
        report = await service.get(read, report_id)
    sources = await collect(
        collector(request, principal),
        kind=report.kind,
        code=report.project_code,
        as_of=report.as_of,
        claim_number=report.claim_number,
    )
    expected = None if if_match is None or if_match.any else if_match.versions
    row = await freeze.freeze(
        session,
        report=report,
        sources=sources,
        actor=principal,
        note=body.note if body else None,
        expected_version=expected,
    )
    response.headers["Location"] = f"/reports/{report_id}/versions/{row.number}"
    return VersionSummary.model_validate(row, from_attributes=True)


@router.get(
    "/reports/{report_id}/versions",
    response_model=list[VersionSummary],
    summary="The report's frozen versions",
)
async def list_versions(report_id: ReportId, session: SessionDep, principal: Reader) -> list[VersionSummary]:
    """The report's frozen, numbered versions."""
    await service.get(session, report_id)
    return [
        redact_for(principal, VersionSummary.model_validate(v, from_attributes=True))
        for v in await service.versions(session, report_id)
    ]


@router.get(
    "/reports/{report_id}/versions/compare",
    response_model=VersionDiff,
    summary="What differs between two versions",
)
async def compare(
    report_id: ReportId,
    session: SessionDep,
    _: Reader,
    a: Annotated[Id, Query(description="The first version's number")],
    b: Annotated[Id, Query(description="The second version's number")],
    lang: Lang = None,
) -> VersionDiff:
    """What differs between two frozen versions of the report."""
    va, vb = await freeze.get(session, report_id, a), await freeze.get(session, report_id, b)
    result = diff.compare(freeze.load(va), freeze.load(vb), lang or "fi")
    return VersionDiff(report_id=report_id, a=a, b=b, as_of={"a": va.as_of, "b": vb.as_of}, **result)


@router.get(
    "/reports/{report_id}/versions/{number}",
    summary="A frozen version as JSON, HTML, PDF or DOCX",
    response_class=Response,
    responses=DOCUMENT,
)
async def read_version(
    report_id: ReportId,
    number: Number,
    request: Request,
    session: SessionDep,
    principal: Reader,
    format: Format = None,
    lang: Lang = None,
) -> Response:
    """One frozen version of the report, as JSON, HTML, PDF or DOCX (`format`, or the Accept
    header), in Finnish or English."""
    report = await service.get(session, report_id)
    fmt, language = wanted(request, report.kind, format, lang)
    row = await freeze.get(session, report_id, number)
    return await respond(
        freeze.load(row),
        fmt,
        language,
        link_base=settings_of(request).gateway_base_url,
        filename=f"{report.project_code}-{report.kind}-v{number}",
        principal=principal,
        extra={"number": row.number, "snapshot_sha256": row.snapshot_sha256},
    )
