"""Period locks: no entry dated in a locked period may be written. Who locked, unlocked and why is kept."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from budget.db import audit
from budget.ledger.schemas import PeriodLockCreate, PeriodLockPublic, PeriodUnlock
from budget.links import Links
from budget.models import PeriodLock, Project
from budget.models.project import utcnow
from budget.projects import repository as projects
from hanke_libs.auth import Principal
from hanke_libs.personal import redact_for
from hanke_libs.problems import Conflict, NotFound, UnprocessableContent


def public(project: Project, lock: PeriodLock, principal: Principal, links: Links) -> PeriodLockPublic:
    body = PeriodLockPublic.model_validate(
        lock.model_dump() | {"active": lock.unlocked_at is None, "href": links.lock(project.code, lock.id)}  # type: ignore[arg-type]
    )
    return redact_for(principal, body)


async def page(
    *, session: AsyncSession, principal: Principal, code: str, links: Links, offset: int, limit: int
) -> list[PeriodLockPublic]:
    project = await projects.get(session=session, principal=principal, code=code)
    stmt = (
        select(PeriodLock)
        .where(PeriodLock.project_id == project.id)
        .order_by(col(PeriodLock.id))
        .offset(offset)
        .limit(limit)
    )
    return [public(project, x, principal, links) for x in (await session.exec(stmt)).all()]


async def get(*, session: AsyncSession, project: Project, lock_id: int) -> PeriodLock:
    lock = await session.get(PeriodLock, lock_id)
    if lock is None or lock.project_id != project.id:
        raise NotFound(f"Project {project.code} has no period lock {lock_id}.", slug="lock-not-found")
    return lock


async def one(
    *, session: AsyncSession, principal: Principal, code: str, lock_id: int, links: Links
) -> PeriodLockPublic:
    project = await projects.get(session=session, principal=principal, code=code)
    return public(project, await get(session=session, project=project, lock_id=lock_id), principal, links)


async def lock_period(
    *, session: AsyncSession, principal: Principal, code: str, data: PeriodLockCreate, links: Links
) -> PeriodLockPublic:
    if data.period_end < data.period_start:
        raise UnprocessableContent("period_end is before period_start.", slug="invalid-period")
    project = await projects.get(session=session, principal=principal, code=code, lock=True)
    lock = PeriodLock(project_id=project.id, locked_by=principal.actor, **data.model_dump())  # type: ignore[arg-type]
    session.add(lock)
    await session.flush()
    await audit.record(
        session,
        actor=principal,
        action="lock",
        entity_type="period_lock",
        entity_id=lock.id,
        changes=data.model_dump(mode="json"),
    )
    return public(project, lock, principal, links)


async def unlock_period(
    *, session: AsyncSession, principal: Principal, code: str, lock_id: int, data: PeriodUnlock, links: Links
) -> PeriodLockPublic:
    project = await projects.get(session=session, principal=principal, code=code, lock=True)
    lock = await get(session=session, project=project, lock_id=lock_id)
    if lock.unlocked_at is not None:
        raise Conflict(f"Lock {lock_id} was unlocked already by {lock.unlocked_by}.", slug="already-unlocked")
    lock.unlocked_at, lock.unlocked_by, lock.unlock_reason = utcnow(), principal.actor, data.reason
    session.add(lock)
    await session.flush()
    await audit.record(
        session,
        actor=principal,
        action="unlock",
        entity_type="period_lock",
        entity_id=lock.id,
        changes={"reason": data.reason},
    )
    return public(project, lock, principal, links)
