"""Rows of the HR staff export: column names (configuration), validation, row fingerprints."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hanke_libs.inputs import EMAIL_PATTERN
from hanke_libs.problems import InvalidParam
from participants.hr_import.reading import Columns, Progress, Row, parse_date, text

PROGRESS_EVERY = 250

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
FIELDS = tuple(c.field for c in PEOPLE_COLUMNS.columns)
TEXT_FIELDS = (
    ("employee_number", 40),
    ("family_name", 200),
    ("given_names", 200),
    ("call_name", 200),
    ("email", 320),
    ("title", 200),
    ("cost_centre", 40),
    ("personnel_category", 120),
    ("manager_number", 40),
    ("unit_code", 80),
    ("unit_name", 200),
)
EMAIL = re.compile(EMAIL_PATTERN)


@dataclass
class HrPerson:
    line: int
    employee_number: str
    fields: dict[str, Any]
    unit_code: str | None
    unit_name: str | None
    fingerprint: str


def fingerprint(cells: Mapping[str, Any]) -> str:
    """A digest of a row's cells: a person whose stored fingerprint matches came from this very row."""
    raw = "\x1f".join("" if cells.get(f) is None else str(cells.get(f)) for f in FIELDS)
    return hashlib.sha1(raw.encode(), usedforsecurity=False).hexdigest()


@dataclass
class Seen:
    """Employee numbers and e-mails met so far in a file, for duplicate detection."""

    numbers: dict[str, tuple[int, str]]  # number -> (line, fingerprint)
    emails: dict[str, int]


def check_duplicate(
    seen: Seen,
    number: str,
    email: str,
    fp: str,
    line: int,
    errors: list[InvalidParam],
    warnings: list[InvalidParam],
) -> bool:
    """Record a row's number and e-mail; True if the row is a duplicate (identical ones are warnings)."""
    if number in seen.numbers:
        first_line, first_fp = seen.numbers[number]
        if first_fp == fp:
            warnings.append(
                InvalidParam(
                    name="employee_number", reason=f"duplicate of line {first_line}; ignored", line=line
                )
            )
        else:
            errors.append(
                InvalidParam(
                    name="employee_number",
                    reason=f"{number} also on line {first_line} with other data",
                    line=line,
                )
            )
        return True
    if email in seen.emails:
        errors.append(
            InvalidParam(name="email", reason=f"{email} also on line {seen.emails[email]}", line=line)
        )
        return True
    seen.numbers[number] = (line, fp)
    seen.emails[email] = line
    return False


def validate_rows(
    rows: list[tuple[Row, str]], seen: Seen, progress: Progress | None = None
) -> tuple[list[HrPerson], list[InvalidParam], list[InvalidParam]]:
    """Rows (with fingerprints) -> people; every problem is reported with its line number."""
    people: list[HrPerson] = []
    errors: list[InvalidParam] = []
    warnings: list[InvalidParam] = []
    for index, (row, fp) in enumerate(rows):
        if progress is not None and index % PROGRESS_EVERY == 0:
            progress("check", index, len(rows))
        c = row.cells
        problems: list[InvalidParam] = []
        t: dict[str, str | None] = {}
        for name, limit in TEXT_FIELDS:
            value = c.get(name)
            try:
                t[name] = text(value, limit)
            except ValueError as exc:
                problems.append(InvalidParam(name=name, reason=str(exc), line=row.line))
                t[name] = None
        number, family, given_names, call = (
            t["employee_number"],
            t["family_name"],
            t["given_names"],
            t["call_name"],
        )
        email = (t["email"] or "").lower() or None
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
        if problems:
            errors.extend(problems)
            continue
        assert number is not None and email is not None
        if check_duplicate(seen, number, email, fp, row.line, errors, warnings):
            continue
        given = call or (given_names.split()[0] if given_names else None)
        fields = {
            "email": email,
            "given_name": given,
            "family_name": family,
            "display_name": " ".join(p for p in (given, family) if p) or None,
            "title": t["title"],
            "cost_centre": t["cost_centre"],
            "personnel_category": t["personnel_category"],
            "manager_employee_number": t["manager_number"],
            "employment_start": start,
            "employment_end": end,
        }
        people.append(HrPerson(row.line, number, fields, t["unit_code"], t["unit_name"], fp))
    return people, errors, warnings
