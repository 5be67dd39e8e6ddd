"""The IDK project (DOMAIN.md section 1) with its budget history, loaded on a new database (idempotent).

Version 1 is the budget as applied (1 592 580 €, city board § 81/2019); version 2 is the budget as
the funder decided it, matching the later public figure (1 532 910 €, EU open data): the funder's
decision is recorded on it, so it is the version in force and the comparison shows what changed.
The board decision gives only the totals per implementer; the year × category lines, the split of
the decided reduction, the decision dates and the funder's reference are SAMPLE DATA, and every
line, version and decision says so in its note.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_FLOOR, Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from budget.categories import ensure_reference_data
from budget.funding.rules import flat_amount
from budget.projects import repository as projects
from budget.projects.schemas import BudgetProjectCreate
from budget.projects.service import create as create_project
from budget.versions import repository as versions
from budget.versions.schemas import BudgetLineIn, BudgetVersionCreate, DecisionCreate
from budget.versions.service import create_version, record_decision
from hanke_libs.db import Database

IDK_CODE = "S21894"
KUOPIO = "0171450-7"
SAVONIA = "2629463-3"
SAMPLE_NOTE = "Sample data: the board decision gives only the implementer totals, not year × category lines."
DECIDED_TOTAL = Decimal("1532910.00")
# Sample: the decided reduction (1 592 580 − 1 532 910 = 59 670 €) taken from Kuopio's purchased services.
REDUCTION = {KUOPIO: {"purchased_services": Decimal("19890.00")}}
OBJECTIVES = [
    "Tilannekuva: ylläpidetty kokonaiskuva digitaalisesta osaamisesta ja kypsyydestä (osaamispuntarit, kypsyystasomalli)",
    "Uudistumisen tuki: kellokkaiden valmennus, uudistumisen tuki ja tulevaisuuden ennakointi",
    "Monialaiset palvelutuotannon kokeilut: vähintään 3, enintään 5 laajaa, useita hallintoaloja ja asiakkaita",
    "Vakiinnuttaminen: hyviksi todetut käytännöt osaksi kaupungin rakenteita, päätöksentekoa ja ohjeita",
]
TOTALS = {KUOPIO: Decimal("1135740.00"), SAVONIA: Decimal("456840.00")}
YEARS = (2020, 2021, 2022)
RATE = Decimal("0.17")
# Sample shares of a year's total, the rest goes to "other".
SHARES = {"purchased_services": Decimal("0.15"), "travel": Decimal("0.02"), "rents": Decimal("0.03")}

IDK = BudgetProjectCreate.model_validate(
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
        "objectives": OBJECTIVES,
        "pilots_min": 3,
        "pilots_max": 5,
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


def decided_lines() -> list[BudgetLineIn]:
    """The applied lines less the (sample) reduction the funder decided: 1 532 910 € with the flat rate."""
    out = []
    for line in sample_lines():
        cut = REDUCTION.get(line.implementer, {}).get(line.category, Decimal("0.00"))
        out.append(line.model_copy(update={"amount": line.amount - cut}))
    return out


APPLIED = BudgetVersionCreate(
    kind="applied",  # type: ignore[arg-type]
    reason="Haettu budjetti (kaupunginhallitus § 81/2019): 1 592 580 € = Kuopio 1 135 740 € + Savonia 456 840 €",
    note=SAMPLE_NOTE,
    lines=sample_lines(),
)
BOARD = DecisionCreate(
    body="city_board",  # type: ignore[arg-type]
    decided_on=dt.date(2019, 9, 23),
    reference="Kuopion kaupunginhallitus § 81/2019",
    note="Sample date: the decision text (Asianro 7801/02.05.02.01/2019) gives no date; the application went "
    "to the September 2019 call.",
)
DECIDED = BudgetVersionCreate(
    kind="decided",  # type: ignore[arg-type]
    reason="Rahoituspäätöksen mukainen budjetti: 1 532 910 € (EU:n avoin data, Kohesio)",
    note="Sample data: the total is the public figure; which lines the funder cut is not public (here Kuopio's "
    "purchased services).",
    lines=decided_lines(),
)
FUNDER = DecisionCreate(
    body="funder",  # type: ignore[arg-type]
    decided_on=dt.date(2020, 3, 16),
    reference="Etelä-Savon ELY-keskus, rahoituspäätös S21894 (sample reference)",
    note="Sample data: the decision's date and reference are not public; the total matches the public figure.",
)


async def seed_idk(session: AsyncSession) -> list[str]:
    """The IDK project, its applied version (in force from the start, with the board's decision) and the
    decided version (in force on the funder's decision); only what is missing."""
    loaded: list[str] = []
    if not await projects.exists(session=session, code=IDK_CODE):
        await create_project(session=session, data=IDK, actor="seed")
        loaded.append(f"project {IDK_CODE} (IDK)")
    project = await projects.get(session=session, principal=None, code=IDK_CODE)
    existing = await versions.page(session=session, project=project, offset=0, limit=100)
    kinds = {v.kind for v in existing}
    if "applied" not in kinds:
        v1 = await create_version(session=session, principal=None, code=IDK_CODE, data=APPLIED, actor="seed")
        await record_decision(
            session=session, principal=None, code=IDK_CODE, number=v1.number, data=BOARD, actor="seed"
        )
        loaded.append(f"budget version {v1.number} as applied, {len(APPLIED.lines)} sample lines")
    if "decided" not in kinds:
        v2 = await create_version(session=session, principal=None, code=IDK_CODE, data=DECIDED, actor="seed")
        await record_decision(
            session=session, principal=None, code=IDK_CODE, number=v2.number, data=FUNDER, actor="seed"
        )
        loaded.append(
            f"budget version {v2.number} as decided (1 532 910 €), in force on the funder's decision"
        )
    return loaded


async def seed(db: Database) -> list[str]:
    """Load the reference data and the IDK project; returns what was loaded."""
    async with db.write_session() as session:
        loaded = await ensure_reference_data(session)
        loaded += await seed_idk(session)
        await session.commit()
    return loaded
