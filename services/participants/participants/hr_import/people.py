"""Importing people from the HR system's export (henkilöstöhallinnon poiminta).

A dry run reports what would be created, changed and deactivated; a real run writes exactly that in
the caller's transaction (all or nothing) and is idempotent: existing people are read with one query
and compared in memory, and only changed rows are written, each with its audit entry (naming the changed fields, never their
personal values: see :mod:`participants.minimise`). An unchanged
export writes nothing at all. People are matched by employee number only (never by e-mail). A new
person's user name is the work e-mail; an existing person's user name belongs to the identity system
(SCIM) and is never changed here.

Each imported person keeps the fingerprint of the row it came from; a later row with the same
fingerprint whose stored state is still consistent (activity by end date, manager, org unit) is
known unchanged without validating it again. SCIM writes clear the fingerprint.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy import select as sa_select
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from hanke_libs.audit import diff
from hanke_libs.auth import Principal
from hanke_libs.problems import InvalidParam
from hanke_libs.tabular import TableSpec
from participants.db import audit
from participants.hr_import.people_rows import (
    PEOPLE_COLUMNS,
    Seen,
    check_duplicate,
    fingerprint,
    validate_rows,
)
from participants.hr_import.reading import ImportRejected, Progress, Row, read_table
from participants.minimise import org_unit_changes, person_changes
from participants.models import OrgUnit, Person
from participants.models.types import new_id

COMPARED = (
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

    def complete(self) -> dict[str, Any]:
        """The whole report, every employee number listed (the CLI's ``--json``)."""
        return {
            **self.summary(),
            "created_employee_numbers": self.created,
            "changed_employee_numbers": self.changed,
            "deactivated_employee_numbers": self.deactivated,
            "created_employee_numbers_not_listed": 0,
            "changed_employee_numbers_not_listed": 0,
            "deactivated_employee_numbers_not_listed": 0,
        }

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
            # lists are cut at LISTED numbers; these say how many more there are (never silently)
            "created_employee_numbers_not_listed": max(0, len(self.created) - LISTED),
            "changed_employee_numbers_not_listed": max(0, len(self.changed) - LISTED),
            "deactivated_employee_numbers_not_listed": max(0, len(self.deactivated) - LISTED),
            "warnings": [
                w.model_dump(exclude_none=True) for w in sorted(self.warnings, key=lambda w: w.line or 0)
            ],
        }


def _still_consistent(
    current: Any, row: Row, units: dict[str, OrgUnit], ids: dict[str, str], today: dt.date
) -> bool:
    """Whether a person whose fingerprint matches needs no change today."""
    end = current.employment_end
    if current.active != (end is None or end >= today):
        return False
    manager = current.manager_employee_number
    if manager and ids.get(manager) != current.manager_id:
        return False
    code = row.cells.get("unit_code")
    unit = units.get(code) if isinstance(code, str) and code else None
    return (unit.id if unit else None) == current.org_unit_id


async def import_hr_people(
    *,
    session: AsyncSession,
    data: bytes,
    filename: str,
    actor: Principal | str,
    dry_run: bool,
    full: bool,
    today: dt.date | None = None,
    columns: TableSpec = PEOPLE_COLUMNS,
    progress: Progress | None = None,
) -> ImportReport:
    """Import the HR export in ``data`` in the caller's transaction (the caller commits).

    ``full``: the file is the whole staff, so people with an employee number who are missing from it
    become inactive. People whose employment has ended become inactive. Raises
    :class:`ImportRejected` (422) listing every bad row; nothing is written then.
    """
    today = today or dt.date.today()
    report_progress = progress or (lambda stage, done, total: None)
    report_progress("read", 0, len(data))
    rows = await asyncio.to_thread(read_table, data, filename, columns)  # XLSX parsing off the event loop
    report_progress("check", 0, len(rows))
    units = {u.code: u for u in (await session.exec(select(OrgUnit))).all()}
    # the one query of existing people: plain rows (no ORM objects), compared in memory
    table = Person.__table__  # type: ignore[attr-defined]
    conn = await session.connection()
    columns_read = (
        table.c.id,
        table.c.employee_number,
        table.c.user_name_key,
        table.c.version,
        table.c.hr_row_hash,
    )
    everyone = list(await conn.execute(sa_select(*columns_read, *(table.c[k] for k in COMPARED))))
    existing = {p.employee_number: p for p in everyone if p.employee_number}
    taken_names = {p.user_name_key: p.employee_number for p in everyone}
    ids = {number: p.id for number, p in existing.items()}

    seen = Seen({}, {})
    errors: list[InvalidParam] = []
    warnings: list[InvalidParam] = []
    to_check: list[tuple[Row, str]] = []
    known_unchanged = 0
    for row in rows:
        fp = fingerprint(row.cells)
        number = row.cells.get("employee_number")
        current = existing.get(number) if isinstance(number, str) else None
        if (
            current is not None
            and current.hr_row_hash == fp
            and _still_consistent(current, row, units, ids, today)
        ):
            if not check_duplicate(
                seen, current.employee_number, current.email, fp, row.line, errors, warnings
            ):
                known_unchanged += 1
        else:
            to_check.append((row, fp))
    incoming, row_errors, row_warnings = validate_rows(to_check, seen, progress)
    report_progress("check", len(rows), len(rows))
    errors += row_errors
    warnings += row_warnings
    errors += [
        InvalidParam(
            name="email", reason=f"{p.fields['email']} is the user name of another person", line=p.line
        )
        for p in incoming
        if p.employee_number not in existing
        and taken_names.get(p.fields["email"], p.employee_number) != p.employee_number
    ]
    if errors:
        errors.sort(key=lambda e: e.line or 0)
        raise ImportRejected(f"{len(errors)} problem(s) in the file; nothing was imported.", errors=errors)
    report = ImportReport(
        dry_run=dry_run, full=full, rows=len(rows), warnings=warnings, unchanged=known_unchanged
    )

    new_units: list[dict[str, Any]] = []
    for person in incoming:
        if person.unit_code and person.unit_code not in units:
            unit = OrgUnit(id=new_id(), code=person.unit_code, name=person.unit_name or person.unit_code)
            units[unit.code] = unit
            new_units.append({"id": unit.id, "code": unit.code, "name": unit.name, "version": 1})
            report.org_units_created.append(unit.code)
        if person.employee_number not in ids:
            ids[person.employee_number] = new_id()

    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    audit_rows: list[dict[str, Any]] = []
    now = dt.datetime.now(dt.UTC)
    for person in incoming:
        wanted = dict(person.fields)
        wanted["org_unit_id"] = units[person.unit_code].id if person.unit_code else None
        wanted["manager_id"] = ids.get(wanted["manager_employee_number"] or "")
        end = wanted["employment_end"]
        wanted["active"] = end is None or end >= today
        current = existing.get(person.employee_number)
        if current is not None and current[5:] == tuple(wanted[k] for k in COMPARED):
            report.unchanged += 1  # unchanged: nothing is written, not even the new fingerprint
            continue
        if current is None:
            pid = ids[person.employee_number]
            inserts.append(
                {
                    **wanted,
                    "id": pid,
                    "employee_number": person.employee_number,
                    "user_name": wanted["email"],
                    "user_name_key": wanted["email"],
                    "hr_row_hash": person.fingerprint,
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
                    "changes": person_changes(
                        diff(
                            {},
                            {
                                **wanted,
                                "employee_number": person.employee_number,
                                "user_name": wanted["email"],
                            },
                        )
                    ),
                }
            )
            continue
        changes = diff({k: getattr(current, k) for k in COMPARED}, wanted)
        updates.append(
            {
                **wanted,
                "b_id": current.id,
                "hr_row_hash": person.fingerprint,
                "updated_at": now,
                "version": current.version + 1,
            }
        )
        deactivated = changes.get("active") == [True, False]
        (report.deactivated if deactivated else report.changed).append(person.employee_number)
        audit_rows.append(
            {
                "action": "hr_import.update",
                "entity_type": "person",
                "entity_id": current.id,
                "changes": person_changes(changes),
            }
        )

    if full:
        for number, current in existing.items():
            if number not in seen.numbers and current.active:
                updates.append(
                    {
                        **{k: getattr(current, k) for k in COMPARED},
                        "active": False,
                        "b_id": current.id,
                        "hr_row_hash": current.hr_row_hash,
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
    unit_managers = [
        {
            "b_id": u.id,
            "manager_person_id": ids.get(u.manager_employee_number or ""),
            "updated_at": now,
            "version": u.version + 1,
        }
        for u in units.values()
        if u.manager_employee_number and ids.get(u.manager_employee_number) != u.manager_person_id
    ]
    if dry_run:
        report_progress("done", len(rows), len(rows))
        return report
    report_progress("write", 0, len(inserts) + len(updates))
    if unit_managers:  # org units imported before their managers get them now
        unit_table = OrgUnit.__table__  # type: ignore[attr-defined]
        await conn.execute(update(unit_table).where(unit_table.c.id == bindparam("b_id")), unit_managers)
        audit_rows.extend(
            {
                "action": "hr_import.update",
                "entity_type": "org_unit",
                "entity_id": u["b_id"],
                "changes": org_unit_changes({"manager_person_id": [None, u["manager_person_id"]]}),
            }
            for u in unit_managers
        )
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
    report.rows_written = len(new_units) + len(unit_managers) + len(inserts) + len(updates) + len(audit_rows)
    report_progress("done", len(rows), len(rows))
    return report
