"""The IDK project as applied (DOMAIN.md section 1), loaded on a new database (idempotent).

The board decision (§ 81/2019) gives only the totals per implementer; the year × category lines
below are SAMPLE DATA that add up to those totals, and every line says so in its note.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from sqlmodel import select

from budget import projects
from budget.categories import ensure_reference_data
from budget.funding import flat_amount
from budget.models import Project
from budget.schemas import BudgetLineIn, BudgetVersionCreate, ProjectCreate
from hanke_libs.db import Database

IDK_CODE = "S21894"
KUOPIO = "0171450-7"
SAVONIA = "2629463-3"
SAMPLE_NOTE = "Sample data: the board decision gives only the implementer totals, not year × category lines."
TOTALS = {KUOPIO: Decimal("1135740.00"), SAVONIA: Decimal("456840.00")}
YEARS = (2020, 2021, 2022)
RATE = Decimal("0.17")
# Sample shares of a year's total, the rest goes to "other".
SHARES = {"purchased_services": Decimal("0.15"), "travel": Decimal("0.02"), "rents": Decimal("0.03")}

IDK = ProjectCreate.model_validate(
    {
        "code": IDK_CODE,
        "name": "Ihmiskeskeinen digitaalinen kunta (IDK)",
        "funder": "Etelä-Savon ELY-keskus",
        "programme": "Kestävää kasvua ja työtä 2014–2020, ESR, toimintalinja 3, erityistavoite 7.1",
        "period_start": "2020-01-01",
        "period_end": "2022-12-31",
        "cost_model": "flat_17",
        "implementers": [
            {"business_id": KUOPIO, "name": "Kuopion kaupunki", "role": "lead"},
            {"business_id": SAVONIA, "name": "Savonia-ammattikorkeakoulu Oy", "role": "co"},
        ],
        "funding_sources": [
            {"code": "esr", "name": "ESR (EU ja valtio)", "kind": "esr", "share_percent": "80"},
            {"code": "own", "name": "Omarahoitus", "kind": "own", "share_percent": "20"},
        ],
        "own_funding_caps": [
            {"implementer": KUOPIO, "year": None, "cap": "227148.00"},
            *({"implementer": KUOPIO, "year": y, "cap": "75716.00"} for y in YEARS),
        ],
    }
)


def _floor(value: Decimal) -> Decimal:
    return value.quantize(Decimal("1"), rounding=ROUND_FLOOR)


def sample_lines() -> list[BudgetLineIn]:
    """Year × category lines whose sum with the computed 17 % flat rate is each implementer's total."""
    out: list[BudgetLineIn] = []
    for impl, total in TOTALS.items():
        per_year = _floor(total / len(YEARS))
        for n, year in enumerate(YEARS):
            year_total = per_year if n < len(YEARS) - 1 else total - per_year * (len(YEARS) - 1)
            staff = _floor(year_total * Decimal("0.55"))
            amounts = {"staff": staff}
            amounts.update({cat: _floor(year_total * share) for cat, share in SHARES.items()})
            amounts["other"] = year_total - sum(amounts.values()) - flat_amount(staff, RATE)
            out += [
                BudgetLineIn(implementer=impl, year=year, category=cat, amount=amount, note=SAMPLE_NOTE)
                for cat, amount in amounts.items()
            ]
    return out


APPLIED = BudgetVersionCreate(
    kind="applied",  # type: ignore[arg-type]
    reason="Haettu budjetti (kaupunginhallitus § 81/2019): 1 592 580 € = Kuopio 1 135 740 € + Savonia 456 840 €",
    board_decision_ref="Kuopion kaupunginhallitus § 81/2019",
    note=SAMPLE_NOTE,
    lines=sample_lines(),
)


async def seed(db: Database) -> list[str]:
    """Load the reference data and the IDK project as applied; returns what was loaded."""
    loaded: list[str] = []
    async with db.write_session() as session:
        loaded += await ensure_reference_data(session)
        if (await session.exec(select(Project).where(Project.code == IDK_CODE))).first() is None:
            project = await projects.create(session=session, data=IDK, actor="seed")
            await projects.create_version(session=session, project=project, data=APPLIED, actor="seed")
            loaded.append(f"project {IDK_CODE} (IDK) as applied, {len(APPLIED.lines)} sample budget lines")
        await session.commit()
    return loaded
