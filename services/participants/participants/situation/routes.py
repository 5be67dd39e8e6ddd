"""``GET /projects/{code}/situation``: the aggregates of the situational picture (steering-safe)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from hanke_libs.db import SessionDep
from hanke_libs.inputs import StrictDate
from participants.access import AggregateReader
from participants.schemas import AsOfDescription, ProjectCode
from participants.situation.schemas import Situation
from participants.situation.service import situation

router = APIRouter(tags=["me and situation"])


@router.get(
    "/projects/{project_code}/situation",
    response_model=Situation,
    summary="The situational picture of a project",
    description="Champions and coaching per sector, competence per sector and round, its change from the "
    "baseline, maturity per sector: aggregates only, under the small-group rule, from closed rounds only. "
    "With `as_of` as of that day (the answer states it).",
)
async def project_situation(
    project_code: ProjectCode,
    session: SessionDep,
    principal: AggregateReader,
    as_of: Annotated[StrictDate | None, Query(description=AsOfDescription)] = None,
) -> dict[str, Any]:
    return await situation(session, principal, project_code, as_of=as_of)
