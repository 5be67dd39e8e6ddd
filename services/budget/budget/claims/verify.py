"""Check a frozen claim against its rows: recompute its figures and vouchers and compare with the snapshot.

A submitted claim is what the city signs and sends to the funder; it must equal its frozen rows
forever. ``GET /projects/{code}/claims/{n}/verify`` and ``hanke verify-claims`` run this check.
"""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from budget.claims import repository, totals
from budget.claims.schemas import ClaimCheck
from budget.funding.plan import project_plan
from budget.ledger import fileformat
from budget.models import PaymentClaim, Project

COMPARED = (
    "entries",
    "costs",
    "flat_rate",
    "income",
    "eligible",
    "claimable_esr",
    "funding_shares",
    "by_implementer",
)
HOW = (
    "The claim's entries (cost_entry.claim_id) are summed again and exported again voucher by voucher, with the "
    "funding sources frozen in the snapshot; every total and every voucher must equal the snapshot's."
)


async def check(
    *, session: AsyncSession, project: Project, claim: PaymentClaim, part: str | None = None
) -> ClaimCheck:
    frozen = claim.status != "draft" and claim.snapshot is not None
    if not frozen:
        entries = await repository.entries_of(session=session, claim=claim, part=part)
        return ClaimCheck(
            project=project.code,
            number=claim.number,
            status=claim.status,
            frozen=False,
            consistent=True,
            checked_entries=len(entries),
            differences=[],
            how="A draft's figures are computed from its rows on every read: there is no snapshot to differ. "
            + HOW,
        )
    assert claim.snapshot is not None
    plan = await project_plan(session=session, project=project)
    sources = totals.snapshot_sources(claim.snapshot, plan.sources)
    per = await totals.live_per(session=session, claim=claim)
    if part is not None:
        per = {k: v for k, v in per.items() if k == part}
    recomputed = totals.totals(per, sources, claim)
    stored = await totals.frozen(session=session, project=project, claim=claim, part=part)
    differences: list[dict[str, Any]] = [
        {"figure": key, "snapshot": stored.get(key), "rows": recomputed.get(key)}
        for key in COMPARED
        if stored.get(key) != recomputed.get(key)
    ]
    entries = await repository.entries_of(session=session, claim=claim, part=part)
    rows = {
        (r["Toteuttaja"], r["Tosite"]): r
        for r in (
            dict(zip(fileformat.COLUMNS, fileformat.entry_row(e, project.code), strict=True)) for e in entries
        )
    }
    frozen_rows = {
        (v["Toteuttaja"], v["Tosite"]): v
        for v in claim.snapshot.get("vouchers", [])
        if part is None or v["Toteuttaja"] == part
    }
    for key in sorted(set(rows) | set(frozen_rows)):
        have, want = rows.get(key), frozen_rows.get(key)
        if have != want:
            changed = sorted(c for c in fileformat.COLUMNS if (have or {}).get(c) != (want or {}).get(c))
            differences.append(
                {"voucher": key[1], "implementer": key[0], "snapshot": want, "rows": have, "columns": changed}
            )
    return ClaimCheck(
        project=project.code,
        number=claim.number,
        status=claim.status,
        frozen=True,
        consistent=not differences,
        checked_entries=len(entries),
        differences=differences,
        how=HOW,
    )


async def check_all(*, session: AsyncSession, code: str | None = None) -> list[ClaimCheck]:
    """Every frozen claim (of one project, or of all) checked against its rows (trusted callers: the CLI)."""
    from sqlmodel import col, select

    stmt = select(Project).order_by(col(Project.code))
    if code is not None:
        stmt = stmt.where(Project.code == code)
    found = list((await session.exec(stmt)).all())
    if code is not None and not found:
        from budget.projects.repository import not_found

        raise not_found(code)
    out: list[ClaimCheck] = []
    for project in found:
        claims = (
            await session.exec(
                select(PaymentClaim)
                .where(PaymentClaim.project_id == project.id, PaymentClaim.status != "draft")
                .order_by(col(PaymentClaim.number))
            )
        ).all()
        for claim in claims:
            out.append(await check(session=session, project=project, claim=claim))
    return out
