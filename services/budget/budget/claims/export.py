"""A payment claim as a file: its header (project, period, status, claimed ESR), its vouchers and totals."""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from budget.claims import repository, totals
from budget.ledger import fileformat
from budget.models import PaymentClaim, Project


async def voucher_rows(
    *, session: AsyncSession, project: Project, claim: PaymentClaim, part: str | None
) -> list[list[str]]:
    """Voucher by voucher: the frozen snapshot once submitted, else the draft's entries (``part``'s only)."""
    if claim.status != "draft" and claim.snapshot is not None:
        vouchers: list[dict[str, str]] = claim.snapshot["vouchers"]
        return [
            [v[c] for c in fileformat.COLUMNS] for v in vouchers if part is None or v["Toteuttaja"] == part
        ]
    entries = await repository.entries_of(session=session, claim=claim, part=part)
    return [fileformat.entry_row(e, project.code) for e in entries]


async def figures(
    *, session: AsyncSession, project: Project, claim: PaymentClaim, part: str | None
) -> dict[str, Any]:
    if claim.status != "draft" and claim.snapshot is not None:
        return await totals.frozen(session=session, project=project, claim=claim, part=part)
    return await totals.live(session=session, project=project, claim=claim, part=part)


def header(
    project: Project, claim: PaymentClaim, figures: dict[str, Any], part: str | None
) -> list[tuple[str, Any]]:
    """The claim's header rows (label, value), Finnish labels as the funder's forms use them."""
    rows: list[tuple[str, Any]] = [
        ("Hanke", f"{project.code} {project.name}"),
        ("Maksatushakemus", claim.number),
        ("Laji", claim.kind),
        ("Kausi", f"{claim.period_start.isoformat()} – {claim.period_end.isoformat()}"),
        ("Tila", claim.status),
        ("Haettava ESR-tuki", figures["claimable_esr"]),
    ]
    if part is not None:
        rows.append(("Osatoteuttajan osuus", part))
    return rows


def totals_rows(figures: dict[str, Any]) -> list[tuple[str, Any]]:
    return [
        ("Tositteita", figures["entries"]),
        ("Kustannukset", figures["costs"]),
        ("Kiinteä osuus", figures["flat_rate"]),
        ("Tulot", figures["income"]),
        ("Tukikelpoiset kustannukset", figures["eligible"]),
        ("Haettava ESR-tuki", figures["claimable_esr"]),
    ]
