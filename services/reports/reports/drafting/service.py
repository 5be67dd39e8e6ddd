"""Reports and their narrative: every query of reports and sections lives here."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hanke_libs.auth import Principal
from hanke_libs.etag import IfMatch
from hanke_libs.problems import NotFound, PreconditionFailed, PreconditionRequired, UnprocessableContent
from reports.calendar import rules as R
from reports.db import audit
from reports.document.i18n import Text
from reports.models import NarrativeSection, Obligation, Report, ReportVersion
from reports.models.types import utcnow
from reports.schemas.reports import NarrativeIn, ReportCreate

KIND_OF_OBLIGATION = {
    "interim_evaluation": R.Kind.interim_evaluation,
    "monitoring_report": R.Kind.monitoring_report,
    "final_report": R.Kind.final_report,
    "claim_cover": R.Kind.payment_claim,
}


async def get(session: AsyncSession, report_id: int) -> Report:
    report = await session.get(Report, report_id)
    if report is None:
        raise NotFound(f"Report {report_id} does not exist.")
    return report


async def list_for(session: AsyncSession, code: str, *, offset: int, limit: int) -> list[Report]:
    rows = await session.exec(
        select(Report)
        .where(Report.project_code == code)
        .order_by(col(Report.id))
        .offset(offset)
        .limit(limit + 1)
    )
    return list(rows.all())


async def sections(session: AsyncSession, report_id: int) -> list[NarrativeSection]:
    rows = await session.exec(
        select(NarrativeSection)
        .where(NarrativeSection.report_id == report_id)
        .order_by(col(NarrativeSection.key))
    )
    return list(rows.all())


async def versions(session: AsyncSession, report_id: int) -> list[ReportVersion]:
    rows = await session.exec(
        select(ReportVersion).where(ReportVersion.report_id == report_id).order_by(col(ReportVersion.number))
    )
    return list(rows.all())


async def _obligation_for(session: AsyncSession, code: str, data: ReportCreate) -> Obligation | None:
    kind = KIND_OF_OBLIGATION[data.kind.value]
    if data.obligation_id is not None:
        found = await session.get(Obligation, data.obligation_id)
        if found is None or found.project_code != code:
            raise UnprocessableContent(
                f"Obligation {data.obligation_id} is not in project {code}'s calendar."
            )
        if found.kind != kind:
            raise UnprocessableContent(f"Obligation {data.obligation_id} is a {found.kind}, not a {kind}.")
        return found
    if kind in (R.Kind.interim_evaluation, R.Kind.final_report):
        rows = await session.exec(
            select(Obligation).where(Obligation.project_code == code, Obligation.kind == kind)
        )
        return rows.first()
    return None


async def create(session: AsyncSession, *, code: str, data: ReportCreate, actor: Principal) -> Report:
    if data.kind == "claim_cover" and data.claim_number is None:
        raise UnprocessableContent("A claim cover summary needs claim_number (the payment claim it covers).")
    obligation = await _obligation_for(session, code, data)
    as_of = data.as_of
    if as_of is None and obligation is not None:
        as_of = obligation.due_date if obligation.kind == R.Kind.interim_evaluation else obligation.period_end
    if as_of is None:
        raise UnprocessableContent(
            "as_of is needed: no obligation of the calendar gives the report's date (link one with obligation_id)."
        )
    report = Report(
        project_code=code,
        kind=data.kind.value,
        title=data.title or Text("fi")(data.kind.value),
        as_of=as_of,
        period_start=obligation.period_start if obligation else None,
        period_end=obligation.period_end if obligation else None,
        claim_number=data.claim_number,
        obligation_id=obligation.id if obligation else None,
        created_by=actor.actor,
    )
    session.add(report)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="create",
        entity_type="report",
        entity_id=report.id,
        changes=data.model_dump(mode="json")
        | {"as_of": as_of.isoformat(), "obligation_id": report.obligation_id},
    )
    return report


async def put_section(
    session: AsyncSession,
    *,
    report: Report,
    key: str,
    data: NarrativeIn,
    actor: Principal,
    if_match: IfMatch | None,
) -> tuple[NarrativeSection, bool]:
    """Write a narrative section; an existing one needs If-Match with its ETag (412 when stale)."""
    section = await session.get(NarrativeSection, (report.id, key))
    label = f"Section {key} of report {report.id}"
    if section is None:
        if if_match is not None:  # If-Match names a current representation, and there is none
            raise PreconditionFailed(
                f"{label} does not exist yet; write it without If-Match.", slug="stale-version"
            )
        section = NarrativeSection(
            report_id=report.id or 0, key=key, title=data.title, text=data.text, updated_by=actor.actor
        )
        session.add(section)
        created, before = True, {}
    else:
        if if_match is None:
            raise PreconditionRequired(
                f"{label} exists: send its ETag as If-Match to change it.", slug="if-match-required"
            )
        if_match.check(section.version, label=label)
        before = {"title": section.title, "text": section.text}
        section.title, section.text = data.title, data.text
        section.updated_by, section.updated_at = actor.actor, utcnow()
        section.version += 1
        created = False
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="create" if created else "update",
        entity_type="narrative_section",
        entity_id=f"{report.id}:{key}",
        changes={
            "title": [before.get("title"), data.title],
            "text_length": [len(before.get("text") or ""), len(data.text)],
        },
    )
    return section, created


def links(report: Report) -> dict[str, Any]:
    base = f"/api/v1/reports/reports/{report.id}"
    return {
        "self": base,
        "draft": f"{base}/draft",
        "versions": f"{base}/versions",
        "calendar": f"/api/v1/reports/projects/{report.project_code}/calendar",
    }
