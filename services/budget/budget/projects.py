"""Projects, budget versions and lines: keyword-only service functions."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from budget.categories import category_map, ensure_reference_data
from budget.db import audit
from budget.funding import RULE, share_percent
from budget.models import (
    BudgetLine,
    BudgetVersion,
    CostEntry,
    FundingSource,
    OwnFundingCap,
    Project,
    ProjectImplementer,
)
from budget.schemas import (
    FLAT_RATES,
    BudgetLinePublic,
    BudgetVersionCreate,
    BudgetVersionPublic,
    CapPublic,
    FundingSourcePublic,
    ImplementerPublic,
    ProjectCreate,
    ProjectPublic,
    ProjectUpdate,
)
from hanke_libs.auth import Principal
from hanke_libs.problems import Conflict, InvalidParam, NotFound, UnprocessableContent

ZERO = Decimal("0.00")


async def get(*, session: AsyncSession, code: str) -> Project:
    project = (await session.exec(select(Project).where(Project.code == code))).first()
    if project is None:
        raise NotFound(f"No project with the code {code!r}.", slug="project-not-found")
    return project


def flat_rate(project: Project) -> Decimal | None:
    return FLAT_RATES.get(project.cost_model)


async def implementers(*, session: AsyncSession, project: Project) -> list[ProjectImplementer]:
    stmt = select(ProjectImplementer).where(ProjectImplementer.project_id == project.id)
    rows = (await session.exec(stmt.order_by(col(ProjectImplementer.id)))).all()
    return list(rows)


async def sources(*, session: AsyncSession, project: Project) -> list[FundingSource]:
    stmt = select(FundingSource).where(FundingSource.project_id == project.id)
    return list((await session.exec(stmt.order_by(col(FundingSource.position)))).all())


async def caps(*, session: AsyncSession, project: Project) -> list[OwnFundingCap]:
    stmt = select(OwnFundingCap).where(OwnFundingCap.project_id == project.id)
    rows = (await session.exec(stmt.order_by(col(OwnFundingCap.implementer), col(OwnFundingCap.id)))).all()
    return list(rows)


async def create(*, session: AsyncSession, data: ProjectCreate, actor: Principal | str) -> Project:
    """Create a project with its implementers, funding sources and caps."""
    await ensure_reference_data(session)
    existing = (await session.exec(select(Project).where(Project.code == data.code))).first()
    if existing is not None:
        raise Conflict(f"A project with the code {data.code!r} exists already.", slug="project-exists")
    lead = next(i for i in data.implementers if i.role == "lead")
    project = Project(
        code=data.code,
        name=data.name,
        funder=data.funder,
        programme=data.programme,
        period_start=data.period_start,
        period_end=data.period_end,
        lead_implementer=lead.business_id,
        cost_model=data.cost_model.value,
    )
    session.add(project)
    await session.flush()
    assert project.id is not None
    for i in data.implementers:
        session.add(
            ProjectImplementer(
                project_id=project.id, business_id=i.business_id, name=i.name, role=i.role.value
            )
        )
    for pos, s in enumerate(data.funding_sources, start=1):
        session.add(
            FundingSource(
                project_id=project.id,
                code=s.code,
                name=s.name,
                kind=s.kind.value,
                share_bp=int(s.share_percent * 100),
                position=pos,
            )
        )
    for c in data.own_funding_caps:
        session.add(
            OwnFundingCap(
                project_id=project.id,
                implementer=c.implementer,
                year=c.year,
                cap=c.cap,
                warn_percent=c.warn_percent,
            )
        )
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="create",
        entity_type="project",
        entity_id=project.code,
        changes=data.model_dump(mode="json"),
    )
    return project


async def has_costs(*, session: AsyncSession, project: Project) -> int:
    stmt = select(func.count()).select_from(CostEntry).where(CostEntry.project_id == project.id)
    return int((await session.exec(stmt)).one())


async def update(
    *, session: AsyncSession, project: Project, data: ProjectUpdate, actor: Principal
) -> Project:
    """Change a project's name, period or cost model (the model is fixed once costs exist: 409)."""
    changes = data.model_dump(exclude_unset=True, mode="json")
    before = {k: getattr(project, k) for k in changes}
    if data.cost_model is not None and data.cost_model.value != project.cost_model:
        count = await has_costs(session=session, project=project)
        if count:
            raise Conflict(
                f"The cost model is fixed once costs exist: project {project.code} has {count} ledger "
                f"entries booked under {project.cost_model}.",
                slug="cost-model-locked",
            )
    for key in changes:
        setattr(project, key, getattr(data, key).value if key == "cost_model" else getattr(data, key))
    if project.period_end < project.period_start:
        raise UnprocessableContent("period_end is before period_start.", slug="invalid-period")
    project.version += 1
    session.add(project)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="update",
        entity_type="project",
        entity_id=project.code,
        changes={k: [before[k], changes[k]] for k in changes},
    )
    return project


async def public(*, session: AsyncSession, project: Project) -> ProjectPublic:
    current = await current_version(session=session, project=project)
    return ProjectPublic(
        code=project.code,
        name=project.name,
        funder=project.funder,
        programme=project.programme,
        period_start=project.period_start,
        period_end=project.period_end,
        lead_implementer=project.lead_implementer,
        cost_model=project.cost_model,
        current_version=current.number if current else None,
        implementers=[
            ImplementerPublic(business_id=i.business_id, name=i.name, role=i.role)
            for i in await implementers(session=session, project=project)
        ],
        funding_sources=[
            FundingSourcePublic(
                code=s.code, name=s.name, kind=s.kind, share_percent=share_percent(s), position=s.position
            )
            for s in await sources(session=session, project=project)
        ],
        own_funding_caps=[
            CapPublic(implementer=c.implementer, year=c.year, cap=c.cap, warn_percent=c.warn_percent)
            for c in await caps(session=session, project=project)
        ],
        rounding_rule=RULE,
        version=project.version,
    )


async def current_version(*, session: AsyncSession, project: Project) -> BudgetVersion | None:
    if project.current_version_id is None:
        return None
    return await session.get(BudgetVersion, project.current_version_id)


async def version_by_number(*, session: AsyncSession, project: Project, number: int) -> BudgetVersion:
    stmt = select(BudgetVersion).where(BudgetVersion.project_id == project.id, BudgetVersion.number == number)
    version = (await session.exec(stmt)).first()
    if version is None:
        raise NotFound(f"Project {project.code} has no budget version {number}.", slug="version-not-found")
    return version


async def lines(*, session: AsyncSession, version: BudgetVersion) -> list[BudgetLine]:
    stmt = select(BudgetLine).where(BudgetLine.version_id == version.id)
    order = (col(BudgetLine.implementer), col(BudgetLine.year), col(BudgetLine.category_code))
    return list((await session.exec(stmt.order_by(*order))).all())


async def create_version(
    *, session: AsyncSession, project: Project, data: BudgetVersionCreate, actor: Principal | str
) -> BudgetVersion:
    """Append a budget version (versions are never changed); by default it becomes the current one."""
    await ensure_reference_data(session)
    cats = await category_map(session)
    impl = {i.business_id for i in await implementers(session=session, project=project)}
    errors: list[InvalidParam] = []
    seen: set[tuple[str, int, str]] = set()
    for n, line in enumerate(data.lines):
        where = f"body.lines.{n}"
        cat = cats.get(line.category)
        if cat is None or cat.kind != "cost":
            errors.append(
                InvalidParam(name=f"{where}.category", reason=f"{line.category!r} is not a cost category")
            )
        elif cat.replaced_by_flat_rate and flat_rate(project) is not None:
            errors.append(
                InvalidParam(
                    name=f"{where}.category",
                    reason=f"{line.category} is replaced by the flat rate of cost model {project.cost_model}",
                )
            )
        if line.implementer not in impl:
            errors.append(
                InvalidParam(name=f"{where}.implementer", reason=f"{line.implementer} is not an implementer")
            )
        if not project.period_start.year <= line.year <= project.period_end.year:
            errors.append(
                InvalidParam(name=f"{where}.year", reason=f"{line.year} is outside the project period")
            )
        key = (line.implementer, line.year, line.category)
        if key in seen:
            errors.append(InvalidParam(name=where, reason="the same implementer, year and category twice"))
        seen.add(key)
    if errors:
        raise UnprocessableContent(
            f"{len(errors)} budget line(s) are not valid.", slug="invalid-budget-lines", errors=errors
        )
    if data.kind.value == "applied" and data.substantial:
        raise UnprocessableContent("An applied version is not a change: substantial must be false.")
    last = (
        await session.exec(
            select(func.max(BudgetVersion.number)).where(BudgetVersion.project_id == project.id)
        )
    ).one()
    version = BudgetVersion(
        project_id=project.id,  # type: ignore[arg-type]
        number=(last or 0) + 1,
        kind=data.kind.value,
        reason=data.reason,
        substantial=data.substantial,
        board_decision_ref=data.board_decision_ref,
        note=data.note,
        created_by=actor.actor if isinstance(actor, Principal) else actor,
    )
    session.add(version)
    await session.flush()
    for line in data.lines:
        session.add(
            BudgetLine(
                version_id=version.id,  # type: ignore[arg-type]
                implementer=line.implementer,
                year=line.year,
                category_code=line.category,
                amount=line.amount,
                note=line.note,
            )
        )
    if data.make_current:
        project.current_version_id = version.id
        project.version += 1
        session.add(project)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="create",
        entity_type="budget_version",
        entity_id=f"{project.code}/{version.number}",
        changes={
            "kind": version.kind,
            "reason": version.reason,
            "substantial": version.substantial,
            "board_decision_ref": version.board_decision_ref,
            "current": data.make_current,
            "lines": len(data.lines),
            "total": str(sum((line.amount for line in data.lines), ZERO)),
        },
    )
    return version


async def make_current(
    *, session: AsyncSession, project: Project, version: BudgetVersion, actor: Principal
) -> None:
    before = project.current_version_id
    project.current_version_id = version.id
    project.version += 1
    session.add(project)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="make_current",
        entity_type="budget_version",
        entity_id=f"{project.code}/{version.number}",
        changes={"current_version_id": [before, version.id]},
    )


async def version_public(
    *, session: AsyncSession, project: Project, version: BudgetVersion
) -> BudgetVersionPublic:
    rows = await lines(session=session, version=version)
    return BudgetVersionPublic(
        number=version.number,
        kind=version.kind,
        reason=version.reason,
        substantial=version.substantial,
        board_decision_ref=version.board_decision_ref,
        needs_board_decision=version.substantial and not version.board_decision_ref,
        note=version.note,
        current=project.current_version_id == version.id,
        created_at=version.created_at,
        created_by=version.created_by,
        total=sum((r.amount for r in rows), ZERO),
        lines=[
            BudgetLinePublic(
                implementer=r.implementer, year=r.year, category=r.category_code, amount=r.amount, note=r.note
            )
            for r in rows
        ],
    )


async def compare(*, session: AsyncSession, a: BudgetVersion, b: BudgetVersion) -> dict[str, Any]:
    """Line-by-line comparison of two versions (amounts of b minus a)."""
    table: dict[tuple[str, int, str], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for i, version in enumerate((a, b)):
        for line in await lines(session=session, version=version):
            table[(line.implementer, line.year, line.category_code)][i] = line.amount
    rows = []
    for (impl, year, cat), (x, y) in sorted(table.items()):
        rows.append(
            {
                "implementer": impl,
                "year": year,
                "category": cat,
                "a": f"{x:.2f}",
                "b": f"{y:.2f}",
                "difference": f"{y - x:.2f}",
                "change": "added"
                if x == 0 and y
                else "removed"
                if y == 0 and x
                else "changed"
                if x != y
                else "same",
            }
        )
    total_a = sum((v[0] for v in table.values()), ZERO)
    total_b = sum((v[1] for v in table.values()), ZERO)
    return {
        "a": a.number,
        "b": b.number,
        "total_a": f"{total_a:.2f}",
        "total_b": f"{total_b:.2f}",
        "difference": f"{total_b - total_a:.2f}",
        "lines": rows,
    }
