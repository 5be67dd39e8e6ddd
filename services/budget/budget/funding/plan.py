"""The funding plan a budget version stands for, and the project's copy of the plan in force.

A plan is the period, the implementers, the funding sources with their shares, the own-funding
caps, the objectives and the pilot portfolio's size. Each budget version stores its whole plan
(``budget_version.plan``, JSON, immutable like the version); the project's tables
(``project_implementer``, ``funding_source``, ``own_funding_cap`` and the project's columns) hold
the plan of the version in force, replaced in the same transaction when another version enters
into force. Figures take the plan of the version in force on their date from the version itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from budget.funding.rules import share_percent
from budget.funding.schemas import CapPublic, FundingSourcePublic, ImplementerPublic
from budget.models import FundingSource, OwnFundingCap, Project, ProjectImplementer


@dataclass(frozen=True)
class Source:
    code: str
    name: str
    kind: str
    share_bp: int
    position: int


@dataclass(frozen=True)
class Cap:
    implementer: str
    year: int | None
    cap: Decimal
    warn_percent: int


@dataclass(frozen=True)
class Implementer:
    business_id: str
    name: str
    role: str


@dataclass
class Plan:
    period_start: dt.date
    period_end: dt.date
    implementers: list[Implementer]
    sources: list[Source]
    caps: list[Cap]
    objectives: list[str] = field(default_factory=list)
    pilots_min: int | None = None
    pilots_max: int | None = None

    @property
    def implementer_ids(self) -> set[str]:
        return {i.business_id for i in self.implementers}

    @property
    def lead(self) -> str:
        return next(i.business_id for i in self.implementers if i.role == "lead")

    def caps_for(self, implementer: str | None) -> list[Cap]:
        """The caps a caller limited to ``implementer`` may see (all when None)."""
        return [c for c in self.caps if implementer in (None, c.implementer)]

    def to_json(self) -> dict[str, Any]:
        return {
            "period_start": self.period_start.isoformat(),
            "period_end": self.period_end.isoformat(),
            "implementers": [i.__dict__ for i in self.implementers],
            "funding_sources": [
                {
                    "code": s.code,
                    "name": s.name,
                    "kind": s.kind,
                    "share_percent": f"{Decimal(s.share_bp) / 100:.2f}",
                    "position": s.position,
                }
                for s in self.sources
            ],
            "own_funding_caps": [
                {
                    "implementer": c.implementer,
                    "year": c.year,
                    "cap": f"{c.cap:.2f}",
                    "warn_percent": c.warn_percent,
                }
                for c in self.caps
            ],
            "objectives": list(self.objectives),
            "pilots_min": self.pilots_min,
            "pilots_max": self.pilots_max,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Plan:
        return cls(
            period_start=dt.date.fromisoformat(data["period_start"]),
            period_end=dt.date.fromisoformat(data["period_end"]),
            implementers=[Implementer(**i) for i in data["implementers"]],
            sources=[
                Source(
                    code=s["code"],
                    name=s["name"],
                    kind=s["kind"],
                    share_bp=int(Decimal(s["share_percent"]) * 100),
                    position=int(s["position"]),
                )
                for s in data["funding_sources"]
            ],
            caps=[
                Cap(
                    implementer=c["implementer"],
                    year=c["year"],
                    cap=Decimal(c["cap"]),
                    warn_percent=int(c["warn_percent"]),
                )
                for c in data["own_funding_caps"]
            ],
            objectives=list(data.get("objectives") or []),
            pilots_min=data.get("pilots_min"),
            pilots_max=data.get("pilots_max"),
        )

    def implementers_public(self) -> list[ImplementerPublic]:
        return [ImplementerPublic(**i.__dict__) for i in self.implementers]

    def sources_public(self) -> list[FundingSourcePublic]:
        return [
            FundingSourcePublic(
                code=s.code, name=s.name, kind=s.kind, share_percent=share_percent(s), position=s.position
            )
            for s in self.sources
        ]

    def caps_public(self, implementer: str | None = None) -> list[CapPublic]:
        return [
            CapPublic(implementer=c.implementer, year=c.year, cap=c.cap, warn_percent=c.warn_percent)
            for c in self.caps_for(implementer)
        ]


async def project_plan(*, session: AsyncSession, project: Project) -> Plan:
    """The plan in force as the project's own tables hold it."""
    impl = (
        await session.exec(
            select(ProjectImplementer)
            .where(ProjectImplementer.project_id == project.id)
            .order_by(col(ProjectImplementer.id))
        )
    ).all()
    sources = (
        await session.exec(
            select(FundingSource)
            .where(FundingSource.project_id == project.id)
            .order_by(col(FundingSource.position), col(FundingSource.id))
        )
    ).all()
    caps = (
        await session.exec(
            select(OwnFundingCap)
            .where(OwnFundingCap.project_id == project.id)
            .order_by(col(OwnFundingCap.implementer), col(OwnFundingCap.id))
        )
    ).all()
    return Plan(
        period_start=project.period_start,
        period_end=project.period_end,
        implementers=[Implementer(i.business_id, i.name, i.role) for i in impl],
        sources=[Source(s.code, s.name, s.kind, s.share_bp, s.position) for s in sources],
        caps=[Cap(c.implementer, c.year, c.cap, c.warn_percent) for c in caps],
        objectives=list(project.objectives or []),
        pilots_min=project.pilots_min,
        pilots_max=project.pilots_max,
    )


async def store_plan(*, session: AsyncSession, project: Project, plan: Plan) -> None:
    """Make ``plan`` the project's plan in force (its tables and columns), in the caller's transaction."""
    assert project.id is not None
    conn = await session.connection()
    for model in (ProjectImplementer, FundingSource, OwnFundingCap):
        table = model.__table__  # type: ignore[union-attr]
        await conn.execute(delete(table).where(table.c.project_id == project.id))
    for i in plan.implementers:
        session.add(
            ProjectImplementer(project_id=project.id, business_id=i.business_id, name=i.name, role=i.role)
        )
    for s in plan.sources:
        session.add(
            FundingSource(
                project_id=project.id,
                code=s.code,
                name=s.name,
                kind=s.kind,
                share_bp=s.share_bp,
                position=s.position,
            )
        )
    for c in plan.caps:
        session.add(
            OwnFundingCap(
                project_id=project.id,
                implementer=c.implementer,
                year=c.year,
                cap=c.cap,
                warn_percent=c.warn_percent,
            )
        )
    project.period_start, project.period_end = plan.period_start, plan.period_end
    project.objectives = list(plan.objectives)
    project.pilots_min, project.pilots_max = plan.pilots_min, plan.pilots_max
    project.lead_implementer = plan.lead
    session.add(project)
    await session.flush()
