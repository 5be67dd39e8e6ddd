"""Booking, changing and deleting ledger entries.

Every write takes the project's row lock first in share mode (:func:`budget.projects.repository.get`
with ``lock="share"``): bookings and edits of one project run side by side, while submitting,
approving and refreshing a payment claim and locking a period take the same lock exclusively: so
of an edit and a submit sent at once exactly one wins, and a frozen claim always equals its rows
(ADR 0005). Two bookings of one voucher at once: the database's unique rule lets one in, the
other is the same 409 ``duplicate-voucher`` as when it comes later. A cost's ``pilot_id`` is checked with the pilots service before any
lock is taken.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from budget.access import check_implementer
from budget.db import audit
from budget.ledger import repository, summaries
from budget.ledger.schemas import CostEntryCreate, CostEntryPublic, CostEntryUpdate
from budget.ledger.validation import check_lock, context, raise_invalid, validate
from budget.links import Links
from budget.models import CostEntry, Project
from budget.pilots import PilotDirectory, require_pilot
from budget.projects import repository as projects
from hanke_libs.audit import diff
from hanke_libs.auth import Principal
from hanke_libs.etag import IfMatch, delete_versioned, update_versioned
from hanke_libs.problems import Conflict, UnprocessableContent


async def check_duplicate(
    *,
    session: AsyncSession,
    project: Project,
    implementer: str,
    voucher: str,
    links: Links,
    own_id: int | None = None,
) -> None:
    existing = await repository.voucher_entry(
        session=session, project=project, implementer=implementer, voucher=voucher
    )
    if existing is not None and existing != own_id:
        raise duplicate(voucher, implementer, existing, links.entry(project.code, existing))


def duplicate(voucher: str, implementer: str, existing: int, href: str) -> Conflict:
    return Conflict(
        f"Voucher {voucher!r} of {implementer} is already booked as entry {existing} ({href}).",
        slug="duplicate-voucher",
        existing_entry_id=existing,
        existing_entry=href,
    )


@contextlib.asynccontextmanager
async def unique_voucher(
    *, session: AsyncSession, project: Project, implementer: str, voucher: str, links: Links
) -> AsyncIterator[None]:
    """Turn the unique rule's refusal of a voucher booked at the same moment by another request
    into the same 409 ``duplicate-voucher`` :func:`check_duplicate` answers (any other integrity
    error is raised as it is)."""
    project_id, code = project.id, project.code  # the rollback below expires the project
    try:
        yield
    except IntegrityError:
        await session.rollback()
        existing = await repository.voucher_entry_of(
            session=session,
            project_id=project_id,
            implementer=implementer,
            voucher=voucher,
        )
        if existing is None:
            raise
        raise duplicate(voucher, implementer, existing, links.entry(code, existing)) from None


async def claim_lock(*, session: AsyncSession, entry: CostEntry) -> None:
    """409 naming the claim when the entry belongs to a submitted payment claim (caller holds the lock)."""
    claim = await repository.claim_of(session=session, entry=entry, lock=True)
    if claim is not None and claim.status != "draft":
        raise Conflict(
            f"Entry {entry.id} (voucher {entry.voucher_ref}) is part of payment claim {claim.number} "
            f"({claim.status}) and can no longer be changed or deleted. Book a correction entry instead.",
            slug="claimed-entry-locked",
            claim_id=claim.id,
            claim_number=claim.number,
        )


async def create(
    *,
    session: AsyncSession,
    principal: Principal,
    code: str,
    data: CostEntryCreate,
    pilots: PilotDirectory,
    links: Links,
) -> tuple[Project, CostEntry]:
    """Book one entry; 422 on bad values or an unknown pilot, 409 on a duplicate voucher or a locked period."""
    implementer = data.implementer or principal.implementer
    if implementer is None:
        raise UnprocessableContent("implementer is required.", slug="invalid-cost-entry")
    check_implementer(principal, implementer)
    await require_pilot(pilots, code, data.pilot_id)
    project = await projects.get(session=session, principal=principal, code=code, lock="share")
    ctx = await context(session=session, project=project)
    values = data.model_dump(exclude={"category"}) | {
        "implementer": implementer,
        "category_code": data.category,
        "kind": data.kind.value,
        "vat_treatment": data.vat_treatment.value,
    }
    raise_invalid(validate(ctx, values))
    check_lock(ctx, implementer, data.entry_date)
    await check_duplicate(
        session=session, project=project, implementer=implementer, voucher=data.voucher_ref, links=links
    )
    values.pop("annual_gross_cost", None)
    entry = CostEntry(project_id=project.id, created_by=principal.actor, **values)  # type: ignore[arg-type]
    session.add(entry)
    async with unique_voucher(
        session=session, project=project, implementer=implementer, voucher=data.voucher_ref, links=links
    ):
        await session.flush()
    deltas = summaries.Deltas()
    deltas.add(entry)
    await summaries.apply(session, project.id, deltas)  # type: ignore[arg-type]
    await audit.record(
        session,
        actor=principal,
        action="create",
        entity_type="cost_entry",
        entity_id=entry.id,
        changes=repository.snapshot(entry),
    )
    return project, entry


async def update(
    *,
    session: AsyncSession,
    principal: Principal,
    code: str,
    entry_id: int,
    data: CostEntryUpdate,
    if_match: IfMatch,
    pilots: PilotDirectory,
    links: Links,
) -> CostEntry:
    """Change an entry: If-Match required; 409 when its claim is submitted or its period locked."""
    changes = data.model_dump(exclude_unset=True)
    if changes.get("pilot_id") is not None:
        await require_pilot(pilots, code, changes["pilot_id"])
    project = await projects.get(session=session, principal=principal, code=code, lock="share")
    entry = await repository.get(
        session=session, project=project, entry_id=entry_id, principal=principal, lock=True
    )
    label = f"Entry {entry.id}"
    if_match.check(entry.version, label=label)
    await claim_lock(session=session, entry=entry)
    ctx = await context(session=session, project=project)
    check_lock(ctx, entry.implementer, entry.entry_date)
    before = repository.snapshot(entry)
    values = dict(before)
    for key, value in changes.items():
        values["category_code" if key == "category" else key] = getattr(value, "value", value)
    if ("hours" in changes or "hourly_rate" in changes) and "amount" not in changes:
        values["amount"] = None
    raise_invalid(validate(ctx, values))
    check_lock(ctx, entry.implementer, values["entry_date"])
    if values["voucher_ref"] != entry.voucher_ref:
        await check_duplicate(
            session=session,
            project=project,
            implementer=entry.implementer,
            voucher=values["voucher_ref"],
            links=links,
            own_id=entry.id,
        )
    deltas = summaries.Deltas()
    deltas.add(entry, -1)
    claim = await repository.claim_of(session=session, entry=entry)
    if claim is not None and not claim.period_start <= values["entry_date"] <= claim.period_end:
        values["claim_id"] = None  # a draft claim keeps only entries of its period
    changed = {k: values[k] for k in repository.ENTRY_FIELDS if values[k] != before[k]}
    # The version is checked in the UPDATE itself (hanke_libs.etag), under the project lock.
    async with unique_voucher(
        session=session,
        project=project,
        implementer=entry.implementer,
        voucher=values["voucher_ref"],
        links=links,
    ):
        await update_versioned(session, entry, expected=if_match, values=changed, label=label)
    await repository.touch_claims(session=session, claim_ids={before["claim_id"]})
    deltas.add(entry)
    await summaries.apply(session, project.id, deltas)  # type: ignore[arg-type]
    await audit.record(
        session,
        actor=principal,
        action="update",
        entity_type="cost_entry",
        entity_id=entry.id,
        changes=diff(before, repository.snapshot(entry)),
    )
    return entry


async def delete(
    *, session: AsyncSession, principal: Principal, code: str, entry_id: int, if_match: IfMatch
) -> None:
    project = await projects.get(session=session, principal=principal, code=code, lock="share")
    entry = await repository.get(
        session=session, project=project, entry_id=entry_id, principal=principal, lock=True
    )
    if_match.check(entry.version, label=f"Entry {entry_id}")
    await claim_lock(session=session, entry=entry)
    ctx = await context(session=session, project=project)
    check_lock(ctx, entry.implementer, entry.entry_date)
    deltas = summaries.Deltas()
    deltas.add(entry, -1)
    before = repository.snapshot(entry)
    await delete_versioned(session, entry, expected=if_match, label=f"Entry {entry_id}")
    await repository.touch_claims(session=session, claim_ids={before["claim_id"]})
    await summaries.apply(session, project.id, deltas)  # type: ignore[arg-type]
    await audit.record(
        session,
        actor=principal,
        action="delete",
        entity_type="cost_entry",
        entity_id=entry_id,
        changes=before,
    )


async def page(
    *,
    session: AsyncSession,
    principal: Principal,
    code: str,
    filters: Mapping[str, object],
    after_id: int | None,
    limit: int,
) -> list[CostEntryPublic]:
    project = await projects.get(session=session, principal=principal, code=code)
    rows = await repository.page(
        session=session, project=project, principal=principal, filters=filters, after_id=after_id, limit=limit
    )
    locked = await repository.locked_claim_ids(session=session, project=project)
    return [repository.public(e, locked, principal) for e in rows]


async def summary_check(
    *, session: AsyncSession, principal: Principal, code: str, rebuild: bool
) -> dict[str, object]:
    """Compare the ledger summary with the ledger; with ``rebuild`` replace it (audited)."""
    project = await projects.get(session=session, principal=principal, code=code, lock=rebuild)
    result = await summaries.check(session, project.id, rebuild=rebuild)  # type: ignore[arg-type]
    if result["rebuilt"]:
        await audit.record(
            session,
            actor=principal,
            action="rebuild",
            entity_type="ledger_summary",
            entity_id=project.code,
            changes={"differences": len(result["differences"])},
        )
    return result
