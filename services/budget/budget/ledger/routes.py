"""The cost ledger: book, list, read, change and delete entries; period locks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status

from budget.access import manage_plan, read_ledger, write_ledger
from budget.ledger import locks, repository, service
from budget.ledger.schemas import (
    CostEntryCreate,
    CostEntryPublic,
    CostEntryUpdate,
    PeriodLockCreate,
    PeriodLockPublic,
    PeriodUnlock,
)
from budget.links import LinksDep
from budget.pilots import PilotsDep
from budget.projects.routes import Code
from budget.schemas import EntryKind
from hanke_libs.auth import CurrentPrincipal, Principal
from hanke_libs.db import SessionDep
from hanke_libs.etag import IF_MATCH_RESPONSES, IfMatchDep, set_etag, version_etag
from hanke_libs.inputs import BigId, Id, StrictDate
from hanke_libs.paging import Page, PageDep, cursor_after_id, keyset_page, offset_page

router = APIRouter(tags=["ledger"])
Reader = Annotated[Principal, Depends(read_ledger)]
Writer = Annotated[Principal, Depends(write_ledger)]
Manager = Annotated[Principal, Depends(manage_plan)]
EntryId = Annotated[BigId, Path(description="The entry's id")]
LockId = Annotated[Id, Path(description="The period lock's id")]


@router.get(
    "/projects/{code}/costs/{entry_id}",
    response_model=CostEntryPublic,
    summary="Read one ledger entry",
    description="One entry with its ETag (finance: its own implementer's entries only, 403 otherwise). "
    "`locked` tells whether a submitted payment claim holds it.",
)
async def get_entry(code: Code, entry_id: EntryId, request: Request, caller: CurrentPrincipal) -> Response:
    """A hot read: one statement on the read pool, no session, the body serialised once, the role
    check called rather than solved as a nested dependency (benchmarks/data_path.py, variant
    "service"). First in the router: it is matched first."""
    actor = await read_ledger(caller)
    entry = await repository.read_one(db=request.app.state.db, code=code, entry_id=entry_id, principal=actor)
    body = entry.__pydantic_serializer__.to_json(entry)
    return Response(body, media_type="application/json", headers={"ETag": version_etag(entry.version)})


@router.post(
    "/projects/{code}/costs",
    status_code=status.HTTP_201_CREATED,
    response_model=CostEntryPublic,
    summary="Book a cost, correction or income",
    description="Finance books for its own implementer only (admin for any). The category must be in the "
    "budget version in force; a staff cost may be hours × hourly rate; the flat rate is computed. A "
    "`pilot_id` must name a pilot of the same project (asked from the pilots service; 422 otherwise). "
    "409 on a duplicate voucher or a locked period.",
)
async def create_entry(
    code: Code,
    data: CostEntryCreate,
    session: SessionDep,
    actor: Writer,
    response: Response,
    pilots: PilotsDep,
    links: LinksDep,
) -> CostEntryPublic:
    project, entry = await service.create(
        session=session, principal=actor, code=code, data=data, pilots=pilots, links=links
    )
    response.headers["Location"] = links.entry(project.code, entry.id)  # type: ignore[arg-type]
    set_etag(response, entry.version)
    return repository.public(entry, set(), actor)


@router.get(
    "/projects/{code}/costs",
    response_model=Page[CostEntryPublic],
    summary="List ledger entries",
    description="Keyset-paged by id, with filters (finance sees only its own implementer's entries; asking "
    "for another implementer's is a 403).",
)
async def list_entries(
    code: Code,
    session: SessionDep,
    actor: Reader,
    page: PageDep,
    implementer: Annotated[str | None, Query(max_length=20)] = None,
    category: Annotated[str | None, Query(max_length=40)] = None,
    kind: EntryKind | None = None,
    date_from: Annotated[
        StrictDate | None, Query(description="Entries dated on or after (YYYY-MM-DD)")
    ] = None,
    date_to: Annotated[
        StrictDate | None, Query(description="Entries dated on or before (YYYY-MM-DD)")
    ] = None,
    pilot_id: Annotated[str | None, Query(max_length=64)] = None,
    claim_id: Annotated[
        Id | None, Query(description="Entries of one payment claim (its internal id)")
    ] = None,
    voucher_ref: Annotated[str | None, Query(max_length=60)] = None,
) -> Page[CostEntryPublic]:
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
    items = await service.page(
        session=session,
        principal=actor,
        code=code,
        filters=filters,
        after_id=cursor_after_id(page),
        limit=page.limit + 1,
    )
    return keyset_page(items, page, key=lambda e: [e.id])


@router.patch(
    "/projects/{code}/costs/{entry_id}",
    response_model=CostEntryPublic,
    responses=IF_MATCH_RESPONSES,
    summary="Change a ledger entry",
    description="If-Match with the entry's ETag is required (428 without, 412 when stale). 409 when a "
    "submitted payment claim holds the entry (book a correction instead) or its period is locked.",
)
async def update_entry(
    code: Code,
    entry_id: EntryId,
    data: CostEntryUpdate,
    session: SessionDep,
    actor: Writer,
    response: Response,
    pilots: PilotsDep,
    links: LinksDep,
    if_match: IfMatchDep,
) -> CostEntryPublic:
    entry = await service.update(
        session=session,
        principal=actor,
        code=code,
        entry_id=entry_id,
        data=data,
        if_match=if_match,
        pilots=pilots,
        links=links,
    )
    set_etag(response, entry.version)
    return repository.public(entry, set(), actor)


@router.delete(
    "/projects/{code}/costs/{entry_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=IF_MATCH_RESPONSES,
    summary="Delete a ledger entry",
    description="If-Match required (428/412). 409 when a submitted claim holds it or its period is locked.",
)
async def delete_entry(
    code: Code, entry_id: EntryId, session: SessionDep, actor: Writer, if_match: IfMatchDep
) -> None:
    await service.delete(session=session, principal=actor, code=code, entry_id=entry_id, if_match=if_match)


@router.get(
    "/projects/{code}/period-locks",
    response_model=Page[PeriodLockPublic],
    summary="List period locks",
    description="Every lock of the project, active and released, with who locked and why.",
)
async def list_locks(
    code: Code, session: SessionDep, caller: Reader, page: PageDep, links: LinksDep
) -> Page[PeriodLockPublic]:
    items = await locks.page(
        session=session, principal=caller, code=code, links=links, offset=page.offset, limit=page.limit + 1
    )
    return offset_page(items, page)


@router.get(
    "/projects/{code}/period-locks/{lock_id}",
    response_model=PeriodLockPublic,
    summary="Read one period lock",
    description="The lock, whether it is still active, and who locked or unlocked it and why.",
)
async def get_lock(
    code: Code, lock_id: LockId, session: SessionDep, caller: Reader, links: LinksDep
) -> PeriodLockPublic:
    return await locks.one(session=session, principal=caller, code=code, lock_id=lock_id, links=links)


@router.post(
    "/projects/{code}/period-locks",
    status_code=status.HTTP_201_CREATED,
    response_model=PeriodLockPublic,
    summary="Lock a period",
    description="Admin or project manager: no entry dated in the period may be written afterwards (for "
    "one implementer or all). Who and why are recorded.",
)
async def lock_period(
    code: Code,
    data: PeriodLockCreate,
    session: SessionDep,
    actor: Manager,
    response: Response,
    links: LinksDep,
) -> PeriodLockPublic:
    lock = await locks.lock_period(session=session, principal=actor, code=code, data=data, links=links)
    response.headers["Location"] = lock.href
    return lock


@router.post(
    "/projects/{code}/period-locks/{lock_id}/unlock",
    response_model=PeriodLockPublic,
    summary="Unlock a period",
    description="Admin or project manager, with a reason (recorded). 409 when it is unlocked already.",
)
async def unlock_period(
    code: Code, lock_id: LockId, data: PeriodUnlock, session: SessionDep, actor: Manager, links: LinksDep
) -> PeriodLockPublic:
    return await locks.unlock_period(
        session=session, principal=actor, code=code, lock_id=lock_id, data=data, links=links
    )
