"""Importing people from the HR system's export (henkilöstöhallinnon poiminta).

A dry run reports what would be created, changed and deactivated; a real run writes exactly that in
the caller's transaction (all or nothing) and is idempotent: existing people are read with one query
and compared in memory, and only changed rows are written, each with its audit entry. An unchanged
export writes nothing at all. People are matched by employee number only (never by e-mail).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from hanke_libs.audit import diff
from hanke_libs.auth import Principal
from hanke_libs.problems import InvalidParam
from participants.db import audit
from participants.hr_import.reading import Columns, ImportRejected, Row, parse_date, read_table, text
from participants.models import OrgUnit, Person
from participants.models.types import new_id

PEOPLE_COLUMNS = Columns(
    names={
        "employee_number": ("Henkilönumero", "employee_number", "Employee number"),
        "family_name": ("Sukunimi", "family_name", "Last name"),
        "given_names": ("Etunimet", "given_names", "First names"),
        "call_name": ("Kutsumanimi", "call_name", "Preferred name"),
        "email": ("Sähköposti", "email", "Work e-mail"),
        "title": ("Nimike", "title", "Job title"),
        "unit_code": ("Yksikkökoodi", "org_unit_code", "Unit code"),
        "unit_name": ("Organisaatioyksikkö", "org_unit", "Unit"),
        "cost_centre": ("Kustannuspaikka", "cost_centre", "Cost centre"),
        "personnel_category": ("Henkilöstöryhmä", "personnel_category", "Personnel category"),
        "manager_number": ("Esihenkilön henkilönumero", "manager_employee_number", "Manager"),
        "employment_start": ("Palvelussuhde alkaa", "employment_start", "Start"),
        "employment_end": ("Palvelussuhde päättyy", "employment_end", "End"),
    },
    required=("employee_number", "family_name", "given_names", "email"),
)

COMPARED = (
    "user_name",
    "email",
    "given_name",
    "family_name",
    "display_name",
    "title",
    "org_unit_id",
    "cost_centre",
    "personnel_category",
    "manager_employee_number",
    "manager_id",
    "employment_start",
    "employment_end",
    "active",
)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LISTED = 1000


@dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do)."""

    dry_run: bool
    full: bool
    rows: int = 0
    created: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    unchanged: int = 0
    org_units_created: list[str] = field(default_factory=list)
    sectors_created: list[str] = field(default_factory=list)
    warnings: list[InvalidParam] = field(default_factory=list)
    rows_written: int = 0

    def summary(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "full": self.full,
            "rows": self.rows,
            "created": len(self.created),
            "changed": len(self.changed),
            "deactivated": len(self.deactivated),
            "unchanged": self.unchanged,
            "org_units_created": self.org_units_created,
            "sectors_created": self.sectors_created,
            "rows_written": self.rows_written,
            "created_employee_numbers": self.created[:LISTED],
            "changed_employee_numbers": self.changed[:LISTED],
            "deactivated_employee_numbers": self.deactivated[:LISTED],
            "warnings": [w.model_dump(exclude_none=True) for w in self.warnings],
        }


@dataclass
class HrPerson:
    line: int
    employee_number: str
    fields: dict[str, Any]
    unit_code: str | None
    unit_name: str | None


def _validate(rows: list[Row]) -> tuple[list[HrPerson], list[InvalidParam], list[InvalidParam]]:
    """Rows -> people; every problem is reported with its line number (errors, warnings)."""
    people: dict[str, HrPerson] = {}
    raw_by_number: dict[str, tuple[int, dict[str, Any]]] = {}
    emails: dict[str, int] = {}
    errors: list[InvalidParam] = []
    warnings: list[InvalidParam] = []
    for row in rows:
        c = row.cells
        problems: list[InvalidParam] = []

        def get(
            name: str,
            limit: int,
            *,
            _c: dict[str, Any] = c,
            _p: list[InvalidParam] = problems,
            _line: int = row.line,
        ) -> str | None:
            try:
                return text(_c.get(name), limit)
            except ValueError as exc:
                _p.append(InvalidParam(name=name, reason=str(exc), line=_line))
                return None

        number = get("employee_number", 40)
        family, given_names, call = get("family_name", 200), get("given_names", 200), get("call_name", 200)
        email = (get("email", 320) or "").lower() or None
        dates: dict[str, dt.date | None] = {}
        for name in ("employment_start", "employment_end"):
            try:
                dates[name] = parse_date(c.get(name))
            except ValueError as exc:
                problems.append(InvalidParam(name=name, reason=str(exc), line=row.line))
        for name, value in (
            ("employee_number", number),
            ("family_name", family),
            ("given_names", given_names),
        ):
            if not value:
                problems.append(InvalidParam(name=name, reason="missing", line=row.line))
        if not email or not EMAIL.match(email):
            problems.append(
                InvalidParam(name="email", reason=f"not an e-mail address: {c.get('email')!r}", line=row.line)
            )
        start, end = dates.get("employment_start"), dates.get("employment_end")
        if start and end and end < start:
            problems.append(
                InvalidParam(name="employment_end", reason="ends before it starts", line=row.line)
            )
        given = call or (given_names.split()[0] if given_names else None)
        fields = {
            "user_name": email,
            "email": email,
            "given_name": given,
            "family_name": family,
            "display_name": " ".join(p for p in (given, family) if p) or None,
            "title": get("title", 200),
            "cost_centre": get("cost_centre", 40),
            "personnel_category": get("personnel_category", 120),
            "manager_employee_number": get("manager_number", 40),
            "employment_start": start,
            "employment_end": end,
        }
        unit_code, unit_name = get("unit_code", 80), get("unit_name", 200)
        if problems:
            errors.extend(problems)
            continue
        assert number is not None and email is not None
        if number in raw_by_number:
            first_line, first_fields = raw_by_number[number]
            if first_fields == {**fields, "unit_code": unit_code}:
                warnings.append(
                    InvalidParam(
                        name="employee_number",
                        reason=f"duplicate of line {first_line}; ignored",
                        line=row.line,
                    )
                )
            else:
                errors.append(
                    InvalidParam(
                        name="employee_number",
                        reason=f"{number} also on line {first_line} with other data",
                        line=row.line,
                    )
                )
            continue
        if email in emails:
            errors.append(
                InvalidParam(name="email", reason=f"{email} also on line {emails[email]}", line=row.line)
            )
            continue
        raw_by_number[number] = (row.line, {**fields, "unit_code": unit_code})
        emails[email] = row.line
        people[number] = HrPerson(row.line, number, fields, unit_code, unit_name)
    return list(people.values()), errors, warnings


async def import_hr_people(
    *,
    session: AsyncSession,
    data: bytes,
    filename: str,
    actor: Principal | str,
    dry_run: bool,
    full: bool,
    today: dt.date | None = None,
    columns: Columns = PEOPLE_COLUMNS,
) -> ImportReport:
    """Import the HR export in ``data`` in the caller's transaction (the caller commits).

    ``full``: the file is the whole staff, so people with an employee number who are missing from it
    become inactive. People whose employment has ended become inactive. Raises
    :class:`ImportRejected` (422) listing every bad row; nothing is written then.
    """
    today = today or dt.date.today()
    rows = read_table(data, filename, columns)
    incoming, errors, warnings = _validate(rows)
    if errors:
        raise ImportRejected(f"{len(errors)} problem(s) in the file; nothing was imported.", errors=errors)
    report = ImportReport(dry_run=dry_run, full=full, rows=len(rows), warnings=warnings)

    units = {u.code: u for u in (await session.exec(select(OrgUnit))).all()}
    everyone = (await session.exec(select(Person))).all()  # the one query of existing people
    existing = {p.employee_number: p for p in everyone if p.employee_number}
    taken_names = {p.user_name_key: p.employee_number for p in everyone}
    new_units: list[dict[str, Any]] = []
    for person in incoming:
        if person.unit_code and person.unit_code not in units:
            unit = OrgUnit(id=new_id(), code=person.unit_code, name=person.unit_name or person.unit_code)
            units[unit.code] = unit
            new_units.append({"id": unit.id, "code": unit.code, "name": unit.name, "version": 1})
            report.org_units_created.append(unit.code)

    ids = {number: p.id for number, p in existing.items()}
    for person in incoming:
        ids.setdefault(person.employee_number, new_id())
    conflicts = [
        InvalidParam(
            name="email", reason=f"{p.fields['email']} is the user name of another person", line=p.line
        )
        for p in incoming
        if taken_names.get(p.fields["email"], p.employee_number) != p.employee_number
    ]
    if conflicts:
        raise ImportRejected(
            f"{len(conflicts)} problem(s) in the file; nothing was imported.", errors=conflicts
        )

    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    audit_rows: list[dict[str, Any]] = []
    now = dt.datetime.now(dt.UTC)
    for person in incoming:
        wanted = dict(person.fields)
        wanted["org_unit_id"] = units[person.unit_code].id if person.unit_code else None
        wanted["manager_id"] = ids.get(wanted["manager_employee_number"] or "")
        end = wanted["employment_end"]
        wanted["active"] = not (end is not None and end < today)
        current = existing.get(person.employee_number)
        if current is None:
            pid = ids[person.employee_number]
            inserts.append(
                {
                    **wanted,
                    "id": pid,
                    "employee_number": person.employee_number,
                    "user_name_key": wanted["user_name"],
                    "source": "hr_import",
                    "pseudonymised": False,
                    "created_at": now,
                    "updated_at": now,
                    "version": 1,
                }
            )
            report.created.append(person.employee_number)
            audit_rows.append(
                {
                    "action": "hr_import.create",
                    "entity_type": "person",
                    "entity_id": pid,
                    "changes": diff({}, wanted),
                }
            )
            continue
        changes = diff({k: getattr(current, k) for k in COMPARED}, wanted)
        if not changes:
            report.unchanged += 1
            continue
        updates.append(
            {
                **wanted,
                "b_id": current.id,
                "user_name_key": wanted["user_name"],
                "updated_at": now,
                "version": current.version + 1,
            }
        )
        (report.deactivated if changes.get("active") == [True, False] else report.changed).append(
            person.employee_number
        )
        audit_rows.append(
            {
                "action": "hr_import.update",
                "entity_type": "person",
                "entity_id": current.id,
                "changes": changes,
            }
        )

    if full:
        seen = {p.employee_number for p in incoming}
        for number, current in existing.items():
            if number not in seen and current.active:
                updates.append(
                    {
                        **{k: getattr(current, k) for k in COMPARED},
                        "active": False,
                        "b_id": current.id,
                        "user_name_key": current.user_name_key,
                        "updated_at": now,
                        "version": current.version + 1,
                    }
                )
                report.deactivated.append(number)
                audit_rows.append(
                    {
                        "action": "hr_import.deactivate",
                        "entity_type": "person",
                        "entity_id": current.id,
                        "changes": {"active": [True, False], "reason": "missing from a full export"},
                    }
                )
    if dry_run:
        return report
    conn = await session.connection()
    table = Person.__table__  # type: ignore[attr-defined]
    if new_units:
        unit_table = OrgUnit.__table__  # type: ignore[attr-defined]
        await conn.execute(
            insert(unit_table), [{**u, "created_at": now, "updated_at": now} for u in new_units]
        )
        audit_rows.extend(
            {
                "action": "hr_import.create",
                "entity_type": "org_unit",
                "entity_id": u["id"],
                "changes": {"code": u["code"], "name": u["name"]},
            }
            for u in new_units
        )
    if inserts:
        await conn.execute(insert(table), inserts)
    if updates:
        await conn.execute(update(table).where(table.c.id == bindparam("b_id")), updates)
    await audit.record_many(session, audit_rows, actor=actor)
    report.rows_written = len(new_units) + len(inserts) + len(updates) + len(audit_rows)
    return report
