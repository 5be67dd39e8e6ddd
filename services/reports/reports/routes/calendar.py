"""The reporting calendar: rules, obligations with statuses for a day, extensions, responsibility,
the due-soon and overdue list and the iCalendar feed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from hanke_libs.db import SessionDep
from hanke_libs.etag import IF_MATCH_RESPONSES, IfMatchDep, OptionalIfMatchDep, set_etag, stale_as_412
from hanke_libs.inputs import Id
from hanke_libs.paging import Page, PageDep, offset_page
from hanke_libs.personal import redact_for
from hanke_libs.problems import PreconditionRequired, UnprocessableContent
from reports.calendar import ics, service
from reports.calendar.rules import Kind
from reports.calendar.status import Status
from reports.config import Settings
from reports.db import audit
from reports.models.types import utcnow
from reports.routes.common import Code, Day, Lang, Manager, Reader, peers_of, settings_of, today
from reports.schemas.calendar import (
    CalendarPublic,
    CalendarRules,
    ExtensionRequest,
    FeedToken,
    ObligationPublic,
    ResponsibleChange,
)

ObligationId = Annotated[Id, Path(description="The obligation's id")]

router = APIRouter(tags=["calendar"])
HOW = (
    "Obligations are generated from the rules (payment claims and monitoring reports per period, the interim "
    "evaluation interim_after_months after the start, the final report after the end). Status on status_on: "
    "done when a payment claim covering the period was submitted by then (the budget service's claims, read "
    "with your token) or a report version linked to the obligation was frozen by then; otherwise overdue after "
    "the effective due date (the extension, else the generated date), due_soon within due_soon_days before it, "
    "else upcoming."
)
ICS = "text/calendar"


async def _statuses(request: Request, session: SessionDep, principal: Reader, code: str, day: Day) -> tuple:  # type: ignore[type-arg]
    calendar = await service.get(session, code)
    rows = await service.obligations(session, code)
    claims, why = await service.claims(peers_of(request)["budget"], principal, code)
    statuses = await service.with_status(session, calendar, rows, today(day), claims, why)
    return calendar, rows, [redact_for(principal, o) for o in statuses]


def _public(calendar, statuses, day, settings: Settings) -> CalendarPublic:  # type: ignore[no-untyped-def]
    return CalendarPublic.model_validate(
        {
            **{f: getattr(calendar, f) for f in CalendarRules.model_fields},
            "project_code": calendar.project_code,
            "version": calendar.version,
            "feed": "issued" if calendar.feed_token_sha256 else None,
            "obligations": statuses,
            "status_on": day,
            "how": HOW,
        }
    )


@router.get(
    "/projects/{code}/calendar", response_model=CalendarPublic, summary="The reporting calendar with statuses"
)
async def read_calendar(
    code: Code, request: Request, session: SessionDep, principal: Reader, response: Response, date: Day = None
) -> CalendarPublic:
    """The project's reporting calendar (its rules and every obligation with its status as of
    `date`, default today); the ETag is sent back as If-Match to change the rules."""
    calendar, _rows, statuses = await _statuses(request, session, principal, code, date)
    set_etag(response, calendar.version)
    return _public(calendar, statuses, today(date), settings_of(request))


@router.put(
    "/projects/{code}/calendar",
    response_model=CalendarPublic,
    responses=IF_MATCH_RESPONSES,
    summary="Set the calendar's rules (If-Match once it exists)",
)
async def put_calendar(
    code: Code,
    body: CalendarRules,
    request: Request,
    session: SessionDep,
    principal: Manager,
    response: Response,
    if_match: OptionalIfMatchDep,
) -> CalendarPublic:
    """Obligations follow the rules at once; an obligation keeps its extension and responsible person."""
    current = await session.get(service.ReportingCalendar, code)
    if current is not None:
        if if_match is None:
            raise PreconditionRequired(
                f"The calendar of {code} exists: send its ETag as If-Match to change it.",
                slug="if-match-required",
            )
        if_match.check(current.version, label=f"The calendar of {code}")
    with stale_as_412():
        calendar, _counts = await service.put(session, code=code, data=body, actor=principal, current=current)
    rows = await service.obligations(session, code)
    claims, why = await service.claims(peers_of(request)["budget"], principal, code)
    statuses = await service.with_status(session, calendar, rows, today(None), claims, why)
    set_etag(response, calendar.version)
    return _public(calendar, statuses, today(None), settings_of(request))


@router.get(
    "/projects/{code}/obligations",
    response_model=Page[ObligationPublic],
    summary="Obligations with their status",
)
async def list_obligations(
    code: Code,
    request: Request,
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    date: Day = None,
    status: Annotated[Status | None, Query()] = None,
    kind: Annotated[Kind | None, Query()] = None,
) -> Page[ObligationPublic]:
    """The project's reporting obligations, each with its due date, who is responsible and its
    status (done, due soon, overdue) as of the day asked."""
    _c, _r, statuses = await _statuses(request, session, principal, code, date)
    items = [
        o for o in statuses if (status is None or o.status == status) and (kind is None or o.kind == kind)
    ]
    return offset_page(items[page.offset : page.offset + page.limit + 1], page, total=len(items))


@router.get(
    "/projects/{code}/reminders",
    response_model=list[ObligationPublic],
    summary="What needs attention: overdue first, then due soon (for the intranet)",
)
async def reminders(
    code: Code, request: Request, session: SessionDep, principal: Reader, date: Day = None
) -> list[ObligationPublic]:
    """The obligations that need attention as of the day asked: overdue ones first, then those due
    soon; what the intranet shows."""
    _c, _r, statuses = await _statuses(request, session, principal, code, date)
    overdue = [o for o in statuses if o.status == Status.overdue]
    soon = [o for o in statuses if o.status == Status.due_soon]
    return sorted(overdue, key=lambda o: o.effective_due) + sorted(soon, key=lambda o: o.effective_due)


async def _one(
    request: Request, session: SessionDep, principal: Manager, obligation_id: ObligationId
) -> ObligationPublic:
    o = await service.obligation(session, obligation_id)
    calendar = await service.get(session, o.project_code)
    claims, why = await service.claims(peers_of(request)["budget"], principal, o.project_code)
    return (await service.with_status(session, calendar, [o], today(None), claims, why))[0]


@router.patch(
    "/obligations/{obligation_id}",
    response_model=ObligationPublic,
    responses=IF_MATCH_RESPONSES,
    summary="Name who is responsible (If-Match)",
)
async def change_responsible(
    obligation_id: ObligationId,
    body: ResponsibleChange,
    request: Request,
    session: SessionDep,
    principal: Manager,
    response: Response,
    if_match: IfMatchDep,
) -> ObligationPublic:
    """Name the person responsible for an obligation. Needs the obligation's ETag as If-Match (428
    without, 412 when stale)."""
    o = await service.obligation(session, obligation_id)
    if_match.check(o.version, label=f"Obligation {obligation_id}")
    before = {"responsible_role": o.responsible_role, "responsible_person_id": o.responsible_person_id}
    changes = body.model_dump(exclude_unset=True)
    with stale_as_412():
        for field, value in changes.items():
            setattr(
                o,
                field,
                value if value is not None or field == "responsible_person_id" else getattr(o, field),
            )
        o.version += 1
        o.updated_at = utcnow()
        await session.flush()
    await audit.record(
        session,
        actor=principal,
        action="update",
        entity_type="obligation",
        entity_id=obligation_id,
        changes={k: [before[k], getattr(o, k)] for k in changes},
    )
    set_etag(response, o.version)
    return await _one(request, session, principal, obligation_id)


@router.post(
    "/obligations/{obligation_id}/extension",
    response_model=ObligationPublic,
    responses=IF_MATCH_RESPONSES,
    summary="Extend the due date, with a reason (If-Match)",
)
async def extend(
    obligation_id: ObligationId,
    body: ExtensionRequest,
    request: Request,
    session: SessionDep,
    principal: Manager,
    response: Response,
    if_match: IfMatchDep,
) -> ObligationPublic:
    """``extended_to`` null withdraws the extension (the reason says why). The reason is kept."""
    o = await service.obligation(session, obligation_id)
    if_match.check(o.version, label=f"Obligation {obligation_id}")
    if body.extended_to is not None and body.extended_to <= o.due_date:
        raise UnprocessableContent(
            f"An extension moves the due date later than {o.due_date.isoformat()}; {body.extended_to} is not.",
            slug="extension-not-later",
        )
    before = [o.extended_to.isoformat() if o.extended_to else None, o.extension_reason]
    with stale_as_412():
        o.extended_to, o.extension_reason = body.extended_to, body.reason
        o.version += 1
        o.updated_at = utcnow()
        await session.flush()
    await audit.record(
        session,
        actor=principal,
        action="extend",
        entity_type="obligation",
        entity_id=obligation_id,
        changes={"extended_to": [before[0], body.extended_to], "reason": [before[1], body.reason]},
    )
    set_etag(response, o.version)
    return await _one(request, session, principal, obligation_id)


@router.get(
    "/projects/{code}/calendar.ics",
    summary="The calendar as iCalendar (RFC 5545), with your bearer token",
    response_class=Response,
    responses={200: {"content": {ICS: {}}}},
)
async def calendar_ics(code: Code, session: SessionDep, _: Reader, lang: Lang = None) -> Response:
    """The project's reporting calendar as an iCalendar (RFC 5545) file, one event per obligation,
    for a caller with a bearer token."""
    calendar = await service.get(session, code)
    body = ics.feed(calendar, await service.obligations(session, code), lang=lang or "fi")
    return Response(
        body,
        media_type=f"{ICS}; charset=utf-8",
        headers={"Content-Disposition": f'inline; filename="{code}.ics"'},
    )


@router.post(
    "/projects/{code}/calendar/feed-token",
    response_model=FeedToken,
    summary="Issue a secret subscription URL for calendar clients (replaces the previous one)",
)
async def issue_feed_token(
    code: Code, request: Request, session: SessionDep, principal: Manager
) -> FeedToken:
    """Outlook and other clients subscribe to a URL and cannot send a bearer token: the URL itself is
    the credential (256 random bits; only its SHA-256 is stored). Issuing a new one revokes the old."""
    calendar = await service.get(session, code)
    token, digest = service.new_feed_token()
    calendar.feed_token_sha256 = digest
    calendar.version += 1
    calendar.updated_at = utcnow()
    await session.flush()
    await audit.record(
        session,
        actor=principal,
        action="issue_feed_token",
        entity_type="reporting_calendar",
        entity_id=code,
        changes={"feed": "replaced"},
    )
    base = settings_of(request).gateway_base_url.rstrip("/")
    return FeedToken(
        project_code=code,
        feed_url=f"{base}/api/v1/reports/feeds/{token}/calendar.ics",
        note="Shown once. Anyone with the URL reads the calendar's dates (no figures, no names); issue a new one to revoke it.",
    )
