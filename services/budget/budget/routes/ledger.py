"""The cost ledger: book, list, read, change and delete entries; period locks."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response, status
from sqlmodel import col, select

from budget import ledger, projects
from budget.access import manage_plan, read_ledger, write_ledger
from budget.db import audit
from budget.ledger_schemas import (
    CostEntryCreate,
    CostEntryPublic,
    CostEntryUpdate,
    PeriodLockCreate,
    PeriodLockPublic,
    PeriodUnlock,
)
from budget.models import CostEntry, PeriodLock
from budget.models.project import utcnow
from budget.routes.projects import Code
from budget.schemas import EntryKind
from hanke_libs.auth import CurrentPrincipal, Principal
from hanke_libs.db import SessionDep
from hanke_libs.paging import Page, PageDep, cursor_after_id, keyset_page, offset_page
from hanke_libs.problems import BadRequest, Conflict, NotFound, PreconditionFailed

router = APIRouter(tags=["ledger"])
Reader = Annotated[Principal, Depends(read_ledger)]
Writer = Annotated[Principal, Depends(write_ledger)]
EntryId = Annotated[int, Path(ge=1, le=2**62)]
IfMatch = Annotated[str | None, Header(description="The entry's ETag; a stale one gets 412")]


def check_if_match(entry: CostEntry, if_match: str | None) -> None:
    if if_match is not None and if_match.strip() not in (f'"{entry.version}"', "*"):
        raise PreconditionFailed(
            f"Entry {entry.id} has changed (version {entry.version}); read it again.", slug="stale-version"
        )


@router.get("/projects/{code}/costs/{entry_id}", response_model=CostEntryPublic, summary="One ledger entry")
async def get_entry(code: Code, entry_id: EntryId, request: Request, caller: CurrentPrincipal) -> Response:
    """A hot read: one statement on the read pool, no session, the body serialised once, the role
    check called rather than solved as a nested dependency (benchmarks/data_path.py, variant
    "service"). First in the router: it is matched first."""
    actor = await read_ledger(caller)
    entry = await ledger.read(db=request.app.state.db, code=code, entry_id=entry_id, actor=actor)
    body = entry.__pydantic_serializer__.to_json(entry)
    return Response(body, media_type="application/json", headers={"ETag": f'"{entry.version}"'})


@router.post(
    "/projects/{code}/costs",
    status_code=status.HTTP_201_CREATED,
    response_model=CostEntryPublic,
    summary="Book a cost, correction or income (finance: own implementer only)",
)
async def create_entry(
    code: Code, data: CostEntryCreate, session: SessionDep, actor: Writer, response: Response
) -> CostEntryPublic:
    project = await projects.get(session=session, code=code)
    entry = await ledger.create(session=session, project=project, data=data, actor=actor)
    response.headers["Location"] = ledger.href(project, entry.id)  # type: ignore[arg-type]
    response.headers["ETag"] = f'"{entry.version}"'
    return ledger.public(entry, set())


@router.get(
    "/projects/{code}/costs",
    response_model=Page[CostEntryPublic],
    summary="List ledger entries (keyset by id; finance sees only its own implementer)",
)
async def list_entries(
    code: Code,
    session: SessionDep,
    actor: Reader,
    page: PageDep,
    implementer: Annotated[str | None, Query(max_length=20)] = None,
    category: Annotated[str | None, Query(max_length=40)] = None,
    kind: EntryKind | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    pilot_id: Annotated[str | None, Query(max_length=64)] = None,
    claim_id: Annotated[int | None, Query(ge=1)] = None,
    voucher_ref: Annotated[str | None, Query(max_length=60)] = None,
) -> Page[CostEntryPublic]:
    project = await projects.get(session=session, code=code)
    filters = {
        "implementer": implementer,
        "category": category,
        "kind": kind.value if kind else None,
        "date_from": date_from,
        "date_to": date_to,
        "pilot_id": pilot_id,
        "claim_id": claim_id,
        "voucher_ref": voucher_ref,
    }
    stmt = ledger.filtered(project, actor, filters)
    after_id = cursor_after_id(page)
    if after_id is not None:
        stmt = stmt.where(col(CostEntry.id) > after_id)
    stmt = stmt.order_by(col(CostEntry.id)).limit(page.limit + 1)
    rows = (await session.exec(stmt)).all()
    locked = await ledger.locked_claim_ids(session=session, project=project)
    items = [ledger.public(e, locked) for e in rows]
    return keyset_page(items, page, key=lambda e: [e.id])


@router.patch(
    "/projects/{code}/costs/{entry_id}",
    response_model=CostEntryPublic,
    summary="Change an entry (409 when its claim is submitted or its period locked; If-Match)",
)
async def update_entry(
    code: Code,
    entry_id: EntryId,
    data: CostEntryUpdate,
    session: SessionDep,
    actor: Writer,
    response: Response,
    if_match: IfMatch = None,
) -> CostEntryPublic:
    project = await projects.get(session=session, code=code)
    entry = await ledger.get(session=session, project=project, entry_id=entry_id, actor=actor)
    check_if_match(entry, if_match)
    entry = await ledger.update(session=session, project=project, entry=entry, data=data, actor=actor)
    response.headers["ETag"] = f'"{entry.version}"'
    return ledger.public(entry, set())


@router.delete(
    "/projects/{code}/costs/{entry_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete an entry (409 when its claim is submitted or its period locked)",
)
async def delete_entry(
    code: Code, entry_id: EntryId, session: SessionDep, actor: Writer, if_match: IfMatch = None
) -> None:
    project = await projects.get(session=session, code=code)
    entry = await ledger.get(session=session, project=project, entry_id=entry_id, actor=actor)
    check_if_match(entry, if_match)
    await ledger.delete(session=session, project=project, entry=entry, actor=actor)


def lock_public(lock: PeriodLock) -> PeriodLockPublic:
    return PeriodLockPublic.model_validate(lock.model_dump() | {"active": lock.unlocked_at is None})


@router.get("/projects/{code}/period-locks", response_model=Page[PeriodLockPublic], summary="Period locks")
async def list_locks(code: Code, session: SessionDep, _: Reader, page: PageDep) -> Page[PeriodLockPublic]:
    project = await projects.get(session=session, code=code)
    stmt = (
        select(PeriodLock)
        .where(PeriodLock.project_id == project.id)
        .order_by(col(PeriodLock.id))
        .offset(page.offset)
        .limit(page.limit + 1)
    )
    return offset_page([lock_public(x) for x in (await session.exec(stmt)).all()], page)


@router.post(
    "/projects/{code}/period-locks",
    status_code=status.HTTP_201_CREATED,
    response_model=PeriodLockPublic,
    summary="Lock a period (admin, project_manager): who and why are recorded",
)
async def lock_period(
    code: Code, data: PeriodLockCreate, session: SessionDep, actor: Annotated[Principal, Depends(manage_plan)]
) -> PeriodLockPublic:
    project = await projects.get(session=session, code=code)
    if data.period_end < data.period_start:
        raise BadRequest("period_end is before period_start.", slug="invalid-period")
    lock = PeriodLock(project_id=project.id, locked_by=actor.actor, **data.model_dump())  # type: ignore[arg-type]
    session.add(lock)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="lock",
        entity_type="period_lock",
        entity_id=lock.id,
        changes=data.model_dump(mode="json"),
    )
    return lock_public(lock)


@router.post(
    "/projects/{code}/period-locks/{lock_id}/unlock",
    response_model=PeriodLockPublic,
    summary="Unlock a period, with a reason",
)
async def unlock_period(
    code: Code,
    lock_id: Annotated[int, Path(ge=1)],
    data: PeriodUnlock,
    session: SessionDep,
    actor: Annotated[Principal, Depends(manage_plan)],
) -> PeriodLockPublic:
    project = await projects.get(session=session, code=code)
    lock = await session.get(PeriodLock, lock_id)
    if lock is None or lock.project_id != project.id:
        raise NotFound(f"Project {code} has no period lock {lock_id}.", slug="lock-not-found")
    if lock.unlocked_at is not None:
        raise Conflict(f"Lock {lock_id} was unlocked already by {lock.unlocked_by}.", slug="already-unlocked")
    lock.unlocked_at, lock.unlocked_by, lock.unlock_reason = utcnow(), actor.actor, data.reason
    session.add(lock)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="unlock",
        entity_type="period_lock",
        entity_id=lock.id,
        changes={"reason": data.reason},
    )
    return lock_public(lock)
