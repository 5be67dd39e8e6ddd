"""A payment claim as a file: its header (project, period, status, claimed ESR and the figures), its
vouchers in the ledger's columns as typed cells, and a totals row; written by hanke_libs.tabular."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from budget.claims import repository, totals
from budget.ledger import fileformat
from budget.models import PaymentClaim, Project
from hanke_libs.auth import Principal
from hanke_libs.personal import redact_rows
from hanke_libs.tabular import Sheet

ZERO = Decimal("0.00")


async def voucher_rows(
    *, session: AsyncSession, project: Project, claim: PaymentClaim, part: str | None
) -> list[list[Any]]:
    """Voucher by voucher: the frozen snapshot once submitted, else the draft's entries (``part``'s only)."""
    if claim.status != "draft" and claim.snapshot is not None:
        vouchers: list[dict[str, str]] = claim.snapshot["vouchers"]
        return [fileformat.typed(v) for v in vouchers if part is None or v["Toteuttaja"] == part]
    entries = await repository.entries_of(session=session, claim=claim, part=part)
    return [fileformat.entry_cells(e, project.code) for e in entries]


async def figures(
    *, session: AsyncSession, project: Project, claim: PaymentClaim, part: str | None
) -> dict[str, Any]:
    if claim.status != "draft" and claim.snapshot is not None:
        return await totals.frozen(session=session, project=project, claim=claim, part=part)
    return await totals.live(session=session, project=project, claim=claim, part=part)


def header(
    project: Project, claim: PaymentClaim, figures: dict[str, Any], part: str | None
) -> list[tuple[str, Any]]:
    """The claim's header rows (label, value), with Finnish labels as the funder's forms use them."""
    rows: list[tuple[str, Any]] = [
        ("Hanke", f"{project.code} {project.name}"),
        ("Maksatushakemus", claim.number),
        ("Laji", claim.kind),
        ("Kausi", f"{claim.period_start.isoformat()} – {claim.period_end.isoformat()}"),
        ("Tila", claim.status),
        ("Haettava ESR-tuki", Decimal(figures["claimable_esr"])),
        ("Tositteita", int(figures["entries"])),
        ("Kustannukset", Decimal(figures["costs"])),
        ("Kiinteä osuus", Decimal(figures["flat_rate"])),
        ("Tulot", Decimal(figures["income"])),
        ("Tukikelpoiset kustannukset", Decimal(figures["eligible"])),
    ]
    if part is not None:
        rows.append(("Osatoteuttajan osuus", part))
    return rows


def total_row(columns: list[str], rows: list[list[Any]]) -> list[Any]:
    """``Yhteensä`` with the sums of the money columns (Debet, Kredit, Kiinteä osuus)."""
    out: list[Any] = []
    for i, name in enumerate(columns):
        if fileformat.KINDS.get(name) == "money":
            out.append(sum((r[i] for r in rows if isinstance(r[i], Decimal)), ZERO))
        else:
            out.append("Yhteensä" if i == 0 else None)
    return out


async def claim_sheet(
    *, session: AsyncSession, principal: Principal, project: Project, claim: PaymentClaim, part: str | None
) -> Sheet:
    numbers = await figures(session=session, project=project, claim=claim, part=part)
    vouchers = await voucher_rows(session=session, project=project, claim=claim, part=part)
    names, rows = redact_rows(principal, fileformat.COLUMNS, vouchers, fileformat.PERSONAL_COLUMNS)
    return Sheet(
        name=f"Maksatushakemus {claim.number}",
        columns=fileformat.columns(names),
        rows=rows,
        preamble=header(project, claim, numbers, part),
        totals=[total_row(names, rows)],
    )
