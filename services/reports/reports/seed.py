"""The IDK project's reporting calendar, loaded on a new database (idempotent).

SAMPLE DATA: the funding decision sets the claim periods and due dates, and it is not in the seed
material; the values below are a typical ESR 2014–2020 schedule (a payment claim every six months,
due two months after the period; a yearly monitoring report; the final report four months after
the end), marked ``sample_data`` until someone checks them against the decision. The interim
evaluation one year after the start is the board's condition (Kh § 81/2019).
"""

from __future__ import annotations

import datetime as dt

from hanke_libs.db import Database
from reports.calendar import service
from reports.models import ReportingCalendar
from reports.schemas.calendar import CalendarRules

IDK_CODE = "S21894"
IDK = CalendarRules(
    calendar_start=dt.date(2020, 1, 1),
    calendar_end=dt.date(2022, 12, 31),
    claim_period_months=6,
    claim_due_days=60,
    monitoring_period_months=12,
    monitoring_due_days=60,
    interim_after_months=12,
    final_due_days=120,
    due_soon_days=21,
    notify_to=["idk-hanke@kuopio.example"],
    sample_data=True,
    source_note=(
        "Esimerkkidataa: maksatuskausien pituus ja eräpäivät tarkistetaan rahoituspäätöksestä. "
        "Väliarviointi vuoden kuluttua käynnistymisestä: Kh § 81/2019. / Sample data: claim periods and due "
        "dates are to be checked against the funding decision; the interim evaluation one year after the start "
        "is the board's condition (Kh § 81/2019)."
    ),
)


async def seed(db: Database) -> list[str]:
    """Load the IDK calendar unless it exists; returns what was loaded."""
    async with db.write_session() as session:
        if await session.get(ReportingCalendar, IDK_CODE) is not None:
            return []
        _calendar, counts = await service.put(session, code=IDK_CODE, data=IDK, actor="seed", current=None)
        await session.commit()
    return [f"reporting calendar of {IDK_CODE} (sample data), {counts['added']} obligations"]
