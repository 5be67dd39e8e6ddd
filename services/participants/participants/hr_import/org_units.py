"""Importing the org unit hierarchy (organisaatiorakenne) from the HR system: code, name, parent,
sector (toimiala), manager. Same rules as the people import: dry run, all or nothing, only changes
written, every bad row listed with its line number. Unknown sectors are created as data."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from hanke_libs.audit import diff
from hanke_libs.auth import Principal
from hanke_libs.problems import InvalidParam
from hanke_libs.tabular import TableSpec
from participants.db import audit
from participants.hr_import.people import ImportReport
from participants.hr_import.reading import Columns, ImportRejected, read_table, text
from participants.minimise import org_unit_changes
from participants.models import OrgUnit, Person, Sector
from participants.models.types import new_id

ORG_UNIT_COLUMNS = Columns(
    names={
        "code": ("Yksikkökoodi", "code", "Unit code"),
        "name": ("Nimi", "name", "Name"),
        "parent": ("Yläyksikkö", "parent", "Parent"),
        "sector": ("Toimiala", "sector", "Sector"),
        "manager_number": ("Esihenkilön henkilönumero", "manager_employee_number", "Manager"),
    },
    required=("code", "name"),
)
COMPARED = ("name", "parent_id", "sector_id", "manager_employee_number", "manager_person_id")


async def import_hr_org_units(
    *,
    session: AsyncSession,
    data: bytes,
    filename: str,
    actor: Principal | str,
    dry_run: bool,
    columns: TableSpec = ORG_UNIT_COLUMNS,
) -> ImportReport:
    """Import the org unit file in the caller's transaction; raises :class:`ImportRejected` on bad rows."""
    rows = await asyncio.to_thread(read_table, data, filename, columns)  # XLSX parsing off the event loop
    errors: list[InvalidParam] = []
    incoming: dict[str, dict[str, Any]] = {}
    lines: dict[str, int] = {}
    for row in rows:
        try:
            values = {
                "code": text(row.cells.get("code"), 80),
                "name": text(row.cells.get("name"), 200),
                "parent": text(row.cells.get("parent"), 80),
                "sector": text(row.cells.get("sector"), 80),
                "manager_employee_number": text(row.cells.get("manager_number"), 40),
            }
        except ValueError as exc:
            errors.append(InvalidParam(name="row", reason=str(exc), line=row.line))
            continue
        code = values["code"]
        if not code or not values["name"]:
            errors.append(InvalidParam(name="code" if not code else "name", reason="missing", line=row.line))
            continue
        if code in incoming:
            if incoming[code] != values:
                errors.append(
                    InvalidParam(
                        name="code",
                        reason=f"{code} also on line {lines[code]} with other data",
                        line=row.line,
                    )
                )
            continue
        incoming[code] = values
        lines[code] = row.line
    units = {u.code: u for u in (await session.exec(select(OrgUnit))).all()}
    for code, values in incoming.items():
        parent = values["parent"]
        if parent and parent not in incoming and parent not in units:
            errors.append(
                InvalidParam(name="parent", reason=f"unknown parent unit {parent}", line=lines[code])
            )
        seen, cursor = {code}, parent
        while cursor and cursor in incoming:
            if cursor in seen:
                errors.append(
                    InvalidParam(name="parent", reason="the hierarchy has a cycle", line=lines[code])
                )
                break
            seen.add(cursor)
            cursor = incoming[cursor]["parent"]
    if errors:
        raise ImportRejected(f"{len(errors)} problem(s) in the file; nothing was imported.", errors=errors)

    report = ImportReport(dry_run=dry_run, full=False, rows=len(rows))
    sectors = {s.code: s.id for s in (await session.exec(select(Sector))).all()}
    new_sectors = sorted(
        {v["sector"] for v in incoming.values() if v["sector"] and v["sector"] not in sectors}
    )
    people = {
        p.employee_number: p.id for p in (await session.exec(select(Person))).all() if p.employee_number
    }
    ids = {code: (units[code].id if code in units else new_id()) for code in incoming}
    ids.update({code: u.id for code, u in units.items() if code not in ids})
    audit_rows: list[dict[str, Any]] = []
    if new_sectors and not dry_run:
        conn = await session.connection()
        await conn.execute(insert(Sector.__table__), [{"code": s, "name": s} for s in new_sectors])  # type: ignore[attr-defined]
        sectors = {s.code: s.id for s in (await session.exec(select(Sector))).all()}
        audit_rows.extend(
            {"action": "hr_import.create", "entity_type": "sector", "entity_id": s, "changes": {"code": s}}
            for s in new_sectors
        )

    def depth(code: str) -> int:
        d, cursor = 0, incoming[code]["parent"]
        while cursor in incoming:
            d, cursor = d + 1, incoming[cursor]["parent"]
        return d

    now = dt.datetime.now(dt.UTC)
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for code in sorted(incoming, key=depth):
        v = incoming[code]
        wanted = {
            "name": v["name"],
            "parent_id": ids[v["parent"]] if v["parent"] else None,
            "sector_id": sectors.get(v["sector"]) if v["sector"] else None,
            "manager_employee_number": v["manager_employee_number"],
            "manager_person_id": people.get(v["manager_employee_number"] or ""),
        }
        current = units.get(code)
        if current is None:
            inserts.append(
                {**wanted, "id": ids[code], "code": code, "created_at": now, "updated_at": now, "version": 1}
            )
            report.created.append(code)
            audit_rows.append(
                {
                    "action": "hr_import.create",
                    "entity_type": "org_unit",
                    "entity_id": ids[code],
                    "changes": org_unit_changes(diff({}, wanted)),
                }
            )
            continue
        changes = diff({k: getattr(current, k) for k in COMPARED}, wanted)
        if not changes:
            report.unchanged += 1
            continue
        updates.append({**wanted, "b_id": current.id, "updated_at": now, "version": current.version + 1})
        report.changed.append(code)
        audit_rows.append(
            {
                "action": "hr_import.update",
                "entity_type": "org_unit",
                "entity_id": current.id,
                "changes": org_unit_changes(changes),
            }
        )
    report.sectors_created = new_sectors
    if dry_run:
        return report
    conn = await session.connection()
    table = OrgUnit.__table__  # type: ignore[attr-defined]
    if inserts:
        await conn.execute(insert(table), inserts)
    if updates:
        await conn.execute(update(table).where(table.c.id == bindparam("b_id")), updates)
    await audit.record_many(session, audit_rows, actor=actor)
    report.rows_written = len(new_sectors) + len(inserts) + len(updates) + len(audit_rows)
    return report
