"""The one place that reads and locks projects, scoped to the caller.

``get`` is how every concept of the service reaches a project: a finance caller reaches only
projects its implementer takes part in (403 otherwise), everyone else with a role reaches all.
``lock=True`` takes the project's row lock (``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite the
write transaction already holds the database's write lock): every write that freezes or governs
what the ledger holds (claims, period locks, budget versions, the import mapping) takes it first,
so those writes are serialised per project (ADR 0005). ``lock="share"`` (``FOR SHARE``) is what
booking, changing and importing entries take: they run side by side, and none of them runs while
a claim is submitted or a period locked. :func:`serialise_imports` keeps two imports of one
project apart.
"""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import func, text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from budget.access import implementer_scope
from budget.models import CostEntry, Project, ProjectImplementer
from hanke_libs.auth import Principal
from hanke_libs.problems import Forbidden, NotFound


def not_found(code: str) -> NotFound:
    return NotFound(f"No project with the code {code!r}.", slug="project-not-found")


def not_an_implementer(scope: str, code: str) -> Forbidden:
    return Forbidden(
        f"Finance of {scope} reaches only the projects its organisation implements; {scope} is not "
        f"an implementer of project {code}.",
        slug="not-an-implementer",
    )


def readable(principal: Principal) -> Any:
    """A select of the projects ``principal`` may read."""
    stmt = select(Project)
    scope = implementer_scope(principal, aggregates=True)
    if scope is not None:
        taking_part = select(ProjectImplementer.project_id).where(ProjectImplementer.business_id == scope)
        stmt = stmt.where(col(Project.id).in_(taking_part))
    return stmt


Lock = bool | Literal["share"]
IMPORT_LOCK_SPACE = 0x4C454447  # "LEDG": the advisory-lock key space of ledger imports


async def get(
    *, session: AsyncSession, principal: Principal | None, code: str, lock: Lock = False
) -> Project:
    """The project ``code`` as ``principal`` may reach it (None: a trusted caller such as the CLI)."""
    stmt = select(Project).where(Project.code == code)
    if lock:
        stmt = stmt.with_for_update(read=lock == "share").execution_options(populate_existing=True)
    project = (await session.exec(stmt)).first()
    if project is None:
        raise not_found(code)
    scope = implementer_scope(principal, aggregates=True) if principal is not None else None
    if scope is not None and scope not in await implementer_ids(session=session, project=project):
        raise not_an_implementer(scope, code)
    return project


async def serialise_imports(*, session: AsyncSession, project: Project) -> None:
    """Two imports of one project wait for each other (they change many entries, in file order);
    bookings go on beside them. A transaction-scoped advisory lock on PostgreSQL; on SQLite the
    write transaction already holds the database's write lock."""
    conn = await session.connection()
    if conn.dialect.name == "postgresql":
        await conn.execute(
            text("SELECT pg_advisory_xact_lock(:space, :id)"), {"space": IMPORT_LOCK_SPACE, "id": project.id}
        )


async def page(*, session: AsyncSession, principal: Principal, offset: int, limit: int) -> list[Project]:
    stmt = readable(principal).order_by(col(Project.code)).offset(offset).limit(limit)
    return list((await session.exec(stmt)).all())


async def exists(*, session: AsyncSession, code: str) -> bool:
    return (await session.exec(select(Project.id).where(Project.code == code))).first() is not None


async def implementer_ids(*, session: AsyncSession, project: Project) -> set[str]:
    stmt = select(ProjectImplementer.business_id).where(ProjectImplementer.project_id == project.id)
    return set((await session.exec(stmt)).all())


async def cost_count(*, session: AsyncSession, project: Project) -> int:
    stmt = select(func.count()).select_from(CostEntry).where(CostEntry.project_id == project.id)
    return int((await session.exec(stmt)).one())
