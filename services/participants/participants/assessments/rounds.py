"""Assessment rounds and their closing.

A round takes answers from its opening day through its closing day; after that it is closed and
answers are refused (409 ``round-closed``), so figures reported from it never change afterwards.
A project manager or admin may reopen it explicitly until a given day, with a reason (audited),
and close it again (``closed_at``). Figures of a round are published only while it is closed: an
open round's figures would change with each answer, and two readings would give away the answer
in between.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hanke_libs.auth import Principal
from hanke_libs.paging import PageParams
from hanke_libs.problems import Conflict, Forbidden, NotFound, UnprocessableContent
from participants.access import is_manager
from participants.assessments.schemas import RoundCreate, RoundPublic, RoundState
from participants.db import audit
from participants.models import Answer, AssessmentRound, Framework


def today() -> dt.date:
    return dt.date.today()


def state(round_: AssessmentRound, day: dt.date | None = None) -> RoundState:
    day = day or today()
    if round_.closed_at is not None:
        return RoundState.closed
    if round_.reopened_until is not None and day <= round_.reopened_until:
        return RoundState.reopened
    if day < round_.opens_on:
        return RoundState.upcoming
    if round_.closes_on is None or day <= round_.closes_on:
        return RoundState.open
    return RoundState.closed


def is_closed(round_: AssessmentRound) -> bool:
    return state(round_) is RoundState.closed


def round_date(round_: AssessmentRound) -> dt.date:
    """The day a round's figures are complete: its closing day, else its opening day."""
    return round_.closes_on or round_.opens_on


def public(round_: AssessmentRound, framework_code: str) -> RoundPublic:
    assert round_.id is not None
    return RoundPublic(
        id=round_.id,
        framework_code=framework_code,
        state=state(round_),
        **round_.model_dump(exclude={"id", "framework_id", "version"}),
    )


class Rounds:
    """Rounds as ``principal`` may touch them: every staff role reads, admin/project_manager write."""

    def __init__(self, session: AsyncSession, principal: Principal) -> None:
        self.session = session
        self.principal = principal

    def _require_manager(self) -> None:
        if not is_manager(self.principal):
            raise Forbidden("Rounds are created, closed and reopened by admin or project_manager.")

    async def get(self, round_id: int, *, lock: bool = False) -> tuple[AssessmentRound, Framework]:
        stmt = select(AssessmentRound).where(AssessmentRound.id == round_id)
        round_ = (await self.session.exec(stmt.with_for_update() if lock else stmt)).first()
        if round_ is None:
            raise NotFound(f"No assessment round {round_id}.")
        framework = await self.session.get(Framework, round_.framework_id)
        assert framework is not None
        return round_, framework

    async def page(self, project_code: str, page: PageParams) -> tuple[list[AssessmentRound], int]:
        clauses = [AssessmentRound.project_code == project_code]
        total = (
            await self.session.exec(select(func.count()).select_from(AssessmentRound).where(*clauses))
        ).one()
        stmt = (
            select(AssessmentRound)
            .where(*clauses)
            .order_by(
                col(AssessmentRound.framework_id), col(AssessmentRound.opens_on), col(AssessmentRound.id)
            )
            .offset(page.offset)
            .limit(page.limit + 1)
        )
        return list((await self.session.exec(stmt)).all()), total

    async def of_framework(self, framework: Framework, project_code: str) -> list[AssessmentRound]:
        stmt = (
            select(AssessmentRound)
            .where(AssessmentRound.framework_id == framework.id, AssessmentRound.project_code == project_code)
            .order_by(col(AssessmentRound.opens_on), col(AssessmentRound.id))
        )
        return list((await self.session.exec(stmt)).all())

    async def published(
        self, framework: Framework, project_code: str, *, as_of: dt.date | None = None
    ) -> list[AssessmentRound]:
        """Closed rounds of ``framework`` with answers (with ``as_of``: whose figures were complete by then)."""
        rounds = [r for r in await self.of_framework(framework, project_code) if is_closed(r)]
        if as_of is not None:
            rounds = [r for r in rounds if round_date(r) <= as_of]
        if not rounds:
            return []
        stmt = select(Answer.round_id).where(col(Answer.round_id).in_([r.id for r in rounds])).distinct()
        answered = set((await self.session.exec(stmt)).all())
        return [r for r in rounds if r.id in answered]

    async def create(self, data: RoundCreate, framework: Framework) -> AssessmentRound:
        self._require_manager()
        duplicate = await self.session.exec(
            select(AssessmentRound.id).where(
                AssessmentRound.framework_id == framework.id,
                AssessmentRound.project_code == data.project_code,
                AssessmentRound.name == data.name,
            )
        )
        if duplicate.first():
            raise Conflict("A round with this name exists.", slug="round-exists")
        assert framework.id is not None
        round_ = AssessmentRound(framework_id=framework.id, **data.model_dump(exclude={"framework_code"}))
        self.session.add(round_)
        await self.session.flush()
        await audit.record(
            self.session,
            actor=self.principal,
            action="create",
            entity_type="assessment_round",
            entity_id=round_.id,
            changes=data.model_dump(mode="json"),
        )
        return round_

    async def reopen(self, round_id: int, *, until: dt.date, reason: str) -> AssessmentRound:
        self._require_manager()
        round_, _ = await self.get(round_id, lock=True)
        if until < today():
            raise UnprocessableContent(
                "A round is reopened until today or a later day.", slug="invalid-dates"
            )
        if not is_closed(round_):
            raise Conflict(f"Round {round_id} is {state(round_).value}, not closed.", slug="round-not-closed")
        before = {"closed_at": round_.closed_at, "reopened_until": round_.reopened_until}
        round_.closed_at, round_.reopened_until = None, until
        round_.version += 1
        await self._record(round_, "reopen", before, reason)
        return round_

    async def close(self, round_id: int, *, reason: str | None) -> AssessmentRound:
        self._require_manager()
        round_, _ = await self.get(round_id, lock=True)
        if is_closed(round_):
            raise Conflict(f"Round {round_id} is already closed.", slug="round-closed")
        before = {"closed_at": round_.closed_at, "reopened_until": round_.reopened_until}
        round_.closed_at, round_.reopened_until = dt.datetime.now(dt.UTC), None
        round_.version += 1
        await self._record(round_, "close", before, reason)
        return round_

    async def _record(
        self, round_: AssessmentRound, action: str, before: Mapping[str, object], reason: str | None
    ) -> None:
        self.session.add(round_)
        await self.session.flush()
        after = {"closed_at": round_.closed_at, "reopened_until": round_.reopened_until}
        await audit.record(
            self.session,
            actor=self.principal,
            action=action,
            entity_type="assessment_round",
            entity_id=round_.id,
            changes={
                "reason": reason,
                **{
                    k: [str(before[k]) if before[k] else None, str(v) if v else None]
                    for k, v in after.items()
                },
            },
        )
