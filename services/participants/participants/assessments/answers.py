"""Answers: a champion answers its own competence, admin/project_manager for a person or an org unit.

Answers are validated against the framework's scale and refused once the round is closed
(409 ``round-closed``). The audit entry names the items changed and who answered, never the values
given: survey values are not in the audit trail that the auditor reads.
"""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hanke_libs.auth import Principal, Role
from hanke_libs.problems import Conflict, Forbidden, InvalidParam, UnprocessableContent
from participants.access import is_caller, is_manager
from participants.assessments.frameworks import Frameworks
from participants.assessments.rounds import Rounds, state
from participants.assessments.schemas import AnswersCreate, RoundState
from participants.db import audit
from participants.models import Answer, OrgUnit, Person
from participants.people.repository import People, active_person


async def answer_round(
    *, session: AsyncSession, principal: Principal, round_id: int, data: AnswersCreate
) -> int:
    """Save (or replace) the answers of one respondent; returns how many answers were given."""
    round_, framework = await Rounds(session, principal).get(round_id, lock=True)
    manager = is_manager(principal)
    person_id, org_unit_id = data.person_id, data.org_unit_id
    if framework.subject == "person":
        if person_id is None:
            person_id = await People(session, principal).caller_id()
            if person_id is None:
                raise Forbidden("The caller is not a known person; give person_id (admin, project_manager).")
        if not manager:
            person = await session.get(Person, person_id)
            if not principal.has(Role.champion) or person is None or not is_caller(person, principal):
                raise Forbidden("A champion answers only for itself.")
        org_unit_id = None
    else:
        if not manager:
            raise Forbidden("Maturity assessments are recorded by admin or project_manager.")
        if org_unit_id is None:
            raise UnprocessableContent("A maturity answer needs org_unit_id.", slug="org-unit-required")
        person_id = None

    current = state(round_)
    if current is RoundState.closed:
        raise Conflict(
            f"Round {round_.name} is closed (closing day {round_.closes_on}); answers are no longer taken. "
            "A project manager can reopen it with a reason.",
            slug="round-closed",
        )
    if current is RoundState.upcoming:
        raise Conflict(f"Round {round_.name} opens on {round_.opens_on}.", slug="round-not-open")
    items = await Frameworks(session).items_by_code(framework)
    errors: list[InvalidParam] = []
    for index, answer in enumerate(data.answers):
        if answer.item_code not in items:
            errors.append(
                InvalidParam(
                    name=f"body.answers.{index}.item_code", reason=f"unknown item of {framework.code}"
                )
            )
        if not framework.scale_min <= answer.value <= framework.scale_max:
            errors.append(
                InvalidParam(
                    name=f"body.answers.{index}.value",
                    reason=f"outside the scale {framework.scale_min}-{framework.scale_max}",
                )
            )
    if errors:
        raise UnprocessableContent(
            "Some answers are not valid for the framework.", slug="invalid-answer", errors=errors
        )
    if person_id is not None:
        unit_id = (await active_person(session, person_id)).org_unit_id
        match = col(Answer.person_id) == person_id
    else:
        assert org_unit_id is not None
        if await session.get(OrgUnit, org_unit_id) is None:
            raise UnprocessableContent(f"No org unit {org_unit_id}.", slug="unknown-org-unit")
        unit_id = org_unit_id
        match = (col(Answer.org_unit_id) == org_unit_id) & col(Answer.person_id).is_(None)
    existing = {
        a.item_id: a
        for a in (await session.exec(select(Answer).where(Answer.round_id == round_.id, match))).all()
    }
    changed: list[str] = []
    for answer in data.answers:
        item = items[answer.item_code]
        assert item.id is not None and round_.id is not None
        row = existing.get(item.id)
        if row is None:
            row = existing[item.id] = Answer(
                round_id=round_.id,
                item_id=item.id,
                person_id=person_id,
                org_unit_id=unit_id,
                value=answer.value,
            )
        elif row.value == answer.value:
            continue
        changed.append(answer.item_code)
        row.value = answer.value
        session.add(row)
    if changed:
        await session.flush()
        await audit.record(
            session,
            actor=principal,
            action="answers",
            entity_type="assessment_round",
            entity_id=round_.id,
            # which items changed for whom, never the values given (survey values stay out of the audit)
            changes={"person_id": person_id, "org_unit_id": org_unit_id, "items_changed": sorted(changed)},
        )
    return len(data.answers)
