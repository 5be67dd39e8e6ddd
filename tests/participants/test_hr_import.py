"""The HR export import: dry run, all-or-nothing real run, idempotence, deactivation, bad files."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import Workbook

from hanke_libs.db import standalone_database
from participants.config import Settings
from participants.hr_import import import_hr_people

DATA = Path("/work/shared/data")
PEOPLE = (DATA / "hr-export.csv").read_bytes()
UNITS = (DATA / "hr-org-units.csv").read_bytes()
HEADER = PEOPLE.decode("utf-8-sig").splitlines()[0]
Auth = Callable[..., dict[str, str]]


@pytest.fixture
def pm(auth: Auth) -> dict[str, str]:
    return auth("project_manager", subject="hankepaallikko")


async def upload(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    data: bytes,
    *,
    kind: str = "people",
    name: str = "hr.csv",
    **params: Any,
) -> httpx.Response:
    return await client.post(
        f"/imports/hr/{kind}", files={"file": (name, data)}, params=params, headers=headers
    )


async def audit_count(client: httpx.AsyncClient, auth: Auth) -> int:
    n, cursor = 0, None
    while True:
        params: dict[str, Any] = {"limit": 200, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/audit", params=params, headers=auth("auditor"))).json()
        n += len(page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            return n


def ended(people: bytes) -> int:
    today = dt.date.today()
    count = 0
    for line in people.decode("utf-8-sig").splitlines()[1:]:
        end = line.split(";")[12].strip()
        if end:
            d, m, y = (int(x) for x in end.split("."))
            count += dt.date(y, m, d) < today
    return count


async def test_org_units_then_people_dry_run_real_and_idempotent(
    client: httpx.AsyncClient, pm: dict[str, str], auth: Auth
) -> None:
    dry = (await upload(client, pm, UNITS, kind="org-units")).json()
    assert dry["dry_run"] and dry["created"] == 18 and dry["rows_written"] == 0
    assert len(dry["sectors_created"]) == 5  # test databases are not seeded
    assert (await audit_count(client, auth)) == 0
    real = (await upload(client, pm, UNITS, kind="org-units", dry_run=False)).json()
    assert real["created"] == 18
    assert (await upload(client, pm, UNITS, kind="org-units", dry_run=False)).json()["rows_written"] == 0

    dry = (await upload(client, pm, PEOPLE)).json()
    assert dry["created"] == 400 and dry["rows_written"] == 0
    before = await audit_count(client, auth)
    real = (await upload(client, pm, PEOPLE, dry_run=False)).json()
    assert real["created"] == 400 and real["org_units_created"] == []
    numbers = {line.split(";")[0] for line in PEOPLE.decode("utf-8-sig").splitlines()[1:]}
    managed = sum(line.split(";")[4] in numbers for line in UNITS.decode("utf-8-sig").splitlines()[1:])
    assert managed > 0  # units imported before their managers get them with the people
    assert (await audit_count(client, auth)) == before + 400 + managed
    again = (await upload(client, pm, PEOPLE, dry_run=False)).json()
    assert again["created"] == again["changed"] == again["deactivated"] == again["rows_written"] == 0
    assert again["unchanged"] == 400
    assert (await audit_count(client, auth)) == before + 400 + managed

    people = (await client.get("/people", params={"limit": 200, "active": False}, headers=pm)).json()
    assert people["total"] == ended(PEOPLE)
    units = (await client.get("/org-units", params={"limit": 200}, headers=pm)).json()["items"]
    manager = (await client.get("/people", params={"q": "100308"}, headers=pm)).json()["items"][0]
    assert next(u for u in units if u["code"] == "KP")["manager_person_id"] == manager["id"]


async def test_changed_row_and_full_export_deactivation(
    client: httpx.AsyncClient, pm: dict[str, str]
) -> None:
    await upload(client, pm, UNITS, kind="org-units", dry_run=False)
    await upload(client, pm, PEOPLE, dry_run=False)
    lines = PEOPLE.decode("utf-8-sig").split("\r\n")
    lines[1] = lines[1].replace("rakennustarkastaja", "johtava rakennustarkastaja")
    dropped = lines.pop(2).split(";")[0]
    changed_file = "\r\n".join(lines).encode("utf-8-sig")
    partial = (await upload(client, pm, changed_file, dry_run=False)).json()
    assert partial["changed_employee_numbers"] == ["100000"] and partial["deactivated"] == 0
    full_dry = (await upload(client, pm, changed_file, full=True)).json()
    assert full_dry["deactivated_employee_numbers"] == [dropped] and full_dry["changed"] == 0
    full = (await upload(client, pm, changed_file, full=True, dry_run=False)).json()
    assert full["deactivated_employee_numbers"] == [dropped] and full["rows_written"] == 2
    assert (await upload(client, pm, changed_file, full=True, dry_run=False)).json()["rows_written"] == 0


async def test_windows_1252_stray_spaces_upper_case_and_identical_duplicates(
    client: httpx.AsyncClient, pm: dict[str, str]
) -> None:
    body = "\r\n".join(
        [
            HEADER,
            " 200001 ; Hämäläinen ;Helmi Maria; Helmi ; HELMI.HAMALAINEN@KUOPIO.EXAMPLE ;toimistosihteeri;NEW-1;Uusi yksikkö;3028;Kuukausipalkkainen;;18.10.2000;",
            " 200001 ; Hämäläinen ;Helmi Maria; Helmi ; HELMI.HAMALAINEN@KUOPIO.EXAMPLE ;toimistosihteeri;NEW-1;Uusi yksikkö;3028;Kuukausipalkkainen;;18.10.2000;",
            "",
        ]
    ).encode("cp1252")
    report = (await upload(client, pm, body, dry_run=False)).json()
    assert report["created"] == 1 and report["org_units_created"] == ["NEW-1"]
    assert report["warnings"][0]["line"] == 3
    person = (await client.get("/people", params={"q": "200001"}, headers=pm)).json()["items"][0]
    assert person["family_name"] == "Hämäläinen" and person["email"] == "helmi.hamalainen@kuopio.example"
    assert person["given_name"] == "Helmi"


async def test_bad_rows_reject_the_whole_file_with_line_numbers(
    client: httpx.AsyncClient, pm: dict[str, str], auth: Auth
) -> None:
    body = "\r\n".join(
        [
            HEADER,
            "300001;Virtanen;Ville;Ville;ville.virtanen@kuopio.example;x;KP;K;1;A;;1.1.2020;",
            "300002;Virtanen;Veera;Veera;veera@kuopio.example;x;KP;K;1;A;;31.2.2020;",
            "300001;Virtanen;Ville;Ville;other@kuopio.example;x;KP;K;1;A;;1.1.2020;",
            "300003;Korhonen;Kalle;Kalle;not-an-email;x;KP;K;1;A;;1.1.2020;",
            ";Nimetön;N;N;n@kuopio.example;x;KP;K;1;A;;1.1.2020;1.1.2019",
        ]
    ).encode("utf-8-sig")
    response = await upload(client, pm, body, dry_run=False)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    errors = response.json()["errors"]
    assert {(e["line"], e["name"]) for e in errors} >= {
        (3, "employment_start"),
        (4, "employee_number"),
        (5, "email"),
        (6, "employee_number"),
    }
    assert (await audit_count(client, auth)) == 0
    assert (await client.get("/people", headers=pm)).json()["total"] == 0


async def test_missing_columns_and_roles(client: httpx.AsyncClient, pm: dict[str, str], auth: Auth) -> None:
    response = await upload(client, pm, b"a;b\r\n1;2\r\n")
    assert response.status_code == 422 and response.json()["errors"][0]["line"] == 1
    for role in ("hr_sync", "steering", "champion"):
        assert (await upload(client, auth(role), PEOPLE)).status_code == 403


async def test_xlsx_export(client: httpx.AsyncClient, pm: dict[str, str]) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(HEADER.split(";"))
    sheet.append(
        [
            100000,
            "Järvinen",
            "Sanna",
            "Sanna",
            "Sanna.Jarvinen@kuopio.example",
            "rakennustarkastaja",
            "KP-EL",
            "Elinvoimapalvelut",
            1950,
            "Tuntipalkkainen",
            100616,
            dt.datetime(1993, 4, 1),
            None,
        ]
    )
    sheet.append(
        [
            100007,
            "Ämmälä",
            "Aino",
            None,
            "aino@kuopio.example",
            "sihteeri",
            "KP-EL",
            "Elinvoimapalvelut",
            1950,
            "Tuntipalkkainen",
            None,
            "1.2.2001",
            dt.datetime(2001, 1, 1),
        ]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = await upload(client, pm, buffer.getvalue(), name="hr.xlsx", dry_run=False)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"name": "employment_end", "reason": "ends before it starts", "line": 3}
    ]
    sheet.delete_rows(3)
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = await upload(client, pm, buffer.getvalue(), name="hr.xlsx", dry_run=False)
    assert response.json()["created"] == 1
    person = (await client.get("/people", params={"q": "100000"}, headers=pm)).json()["items"][0]
    assert person["employee_number"] == "100000" and person["employment_start"] == "1993-04-01"
    assert person["cost_centre"] == "1950"


def csv_of(*rows: str) -> bytes:
    return "\r\n".join([HEADER, *rows]).encode("utf-8-sig")


async def test_unchanged_fast_path_still_sees_what_changed_around_the_row(
    client: httpx.AsyncClient, pm: dict[str, str], auth: Auth, settings: Settings
) -> None:
    """A row identical to the last import is not re-validated, yet SCIM edits, a manager who appears
    later and an employment that has since ended are still acted upon."""
    a = "400001;Aalto;Anna;Anna;anna.aalto@kuopio.example;suunnittelija;KP;Konserni;1;A;400009;1.1.2020;"
    b = "400002;Berg;Bo;Bo;bo.berg@kuopio.example;suunnittelija;KP;Konserni;1;A;;1.1.2020;31.12.2030"
    m = "400009;Manninen;Maija;Maija;maija.manninen@kuopio.example;päällikkö;KP;Konserni;1;A;;1.1.2010;"
    assert (await upload(client, pm, csv_of(a, b), dry_run=False)).json()["created"] == 2
    anna = (await client.get("/people", params={"q": "400001"}, headers=pm)).json()["items"][0]
    assert anna["manager_id"] is None

    hr = {**auth("hr_sync"), "Content-Type": "application/scim+json"}
    patch = {"Operations": [{"op": "Replace", "path": "title", "value": "SCIM title"}]}
    assert (await client.patch(f"/scim/v2/Users/{anna['id']}", json=patch, headers=hr)).status_code == 200

    report = (await upload(client, pm, csv_of(a, b, m), dry_run=False)).json()
    assert report["created_employee_numbers"] == ["400009"]
    assert report["changed_employee_numbers"] == ["400001"] and report["unchanged"] == 1
    anna = (await client.get(f"/people/{anna['id']}", headers=pm)).json()
    assert anna["title"] == "suunnittelija" and anna["manager_id"] is not None

    async with standalone_database(settings.database_url) as db:
        async with db.write_session() as session:
            later = await import_hr_people(
                session=session,
                data=csv_of(a, b, m),
                filename="hr.csv",
                actor="t",
                dry_run=False,
                full=False,
                today=dt.date(2031, 1, 1),
            )
            await session.commit()
    assert later.deactivated == ["400002"] and later.unchanged == 2


async def test_scim_and_hr_meet_by_employee_number_never_by_email(
    client: httpx.AsyncClient, pm: dict[str, str], auth: Auth
) -> None:
    hr = {**auth("hr_sync"), "Content-Type": "application/scim+json"}
    ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    scim_user = {
        "userName": "AAALTO@kuopio.example",
        "externalId": "entra-1",
        ent: {"employeeNumber": "400001"},
    }
    created = (await client.post("/scim/v2/Users", json=scim_user, headers=hr)).json()
    other = {"userName": "bo.berg@kuopio.example", "externalId": "entra-2"}
    assert (await client.post("/scim/v2/Users", json=other, headers=hr)).status_code == 201

    a = "400001;Aalto;Anna;Anna;anna.aalto@kuopio.example;suunnittelija;KP;Konserni;1;A;;1.1.2020;"
    report = (await upload(client, pm, csv_of(a), dry_run=False)).json()
    assert report["changed_employee_numbers"] == ["400001"] and report["created"] == 0
    person = (await client.get(f"/people/{created['id']}", headers=pm)).json()
    assert person["user_name"] == "AAALTO@kuopio.example"  # the identity system's user name is kept
    assert person["email"] == "anna.aalto@kuopio.example" and person["family_name"] == "Aalto"

    b = "400002;Berg;Bo;Bo;bo.berg@kuopio.example;suunnittelija;KP;Konserni;1;A;;1.1.2020;"
    rejected = await upload(client, pm, csv_of(a, b), dry_run=False)
    assert rejected.status_code == 422
    assert rejected.json()["errors"] == [
        {"name": "email", "reason": "bo.berg@kuopio.example is the user name of another person", "line": 3}
    ]


async def test_org_unit_file_errors_are_listed(client: httpx.AsyncClient, pm: dict[str, str]) -> None:
    header = UNITS.decode("utf-8-sig").splitlines()[0]
    body = "\r\n".join(
        [
            header,
            "A;Unit A;B;S;",
            "B;Unit B;A;S;",
            "C;Unit C;NOPE;S;",
            ";No code;;S;",
            "D;Unit D;;S;",
            "D;Other D;;S;",
        ]
    ).encode()
    response = await upload(client, pm, body, kind="org-units", dry_run=False)
    assert response.status_code == 422
    found = {(e["line"], e["name"]) for e in response.json()["errors"]}
    assert found == {(2, "parent"), (3, "parent"), (4, "parent"), (5, "code"), (7, "code")}
    assert (await client.get("/org-units", headers=pm)).json()["total"] == 0


async def test_comma_separated_with_quotes(client: httpx.AsyncClient, pm: dict[str, str]) -> None:
    header = HEADER.replace(";", ",")
    row = (
        '500001,"Aalto, jr.",Anna,Anna,anna@kuopio.example,"suunnittelija, vt.",KP,Konserni,1,A,,2020-01-01,'
    )
    report = (await upload(client, pm, f"{header}\n{row}\n".encode(), dry_run=False)).json()
    assert report["created"] == 1
    person = (await client.get("/people", params={"q": "500001"}, headers=pm)).json()["items"][0]
    assert person["family_name"] == "Aalto, jr." and person["title"] == "suunnittelija, vt."
    assert person["employment_start"] == "2020-01-01"


async def test_hostile_files_are_line_numbered_4xx(client: httpx.AsyncClient, pm: dict[str, str]) -> None:
    huge = HEADER + "\r\n" + "1;" + "x" * (130 * 1024) + ";a;;a@kuopio.example;t;U;U;1;A;;1.1.2020;\r\n"
    response = await upload(client, pm, huge.encode())
    assert response.status_code == 422 and response.json()["type"].endswith("/import-rejected")
    assert response.json()["errors"][0]["line"] == 2
    not_text = HEADER.encode() + b"\r\n1;\x81\x8d;x\r\n"
    response = await upload(client, pm, not_text)  # hanke_libs.tabular: 400 unreadable-file (no line)
    assert response.status_code == 400 and response.json()["type"].endswith("/unreadable-file")


async def test_lists_of_employee_numbers_say_how_many_are_not_listed(
    client: httpx.AsyncClient, pm: dict[str, str]
) -> None:
    lines = [HEADER] + [
        f"{800000 + i};Suku{i};Etu;;s{i}@kuopio.example;t;U1;Unit;1;A;;1.1.2020;" for i in range(1005)
    ]
    report = (await upload(client, pm, "\r\n".join(lines).encode(), dry_run=True)).json()
    assert report["created"] == 1005 and len(report["created_employee_numbers"]) == 1000
    assert report["created_employee_numbers_not_listed"] == 5


def test_cli_summary_and_progress_bar() -> None:
    from hanke_cli.imports import human_summary
    from hanke_cli.progress import ProgressBar

    lines = human_summary(
        {
            "rows": 3,
            "created": 1,
            "changed": 1,
            "deactivated": 0,
            "unchanged": 1,
            "org_units_created": ["A", "B"],
            "warnings": [{"line": n, "name": "email", "reason": "shared"} for n in range(2, 15)],
        }
    )
    assert lines[0] == "3 rows, 1 created, 1 changed, 0 deactivated, 1 unchanged"
    assert "org units created: 2 (A, B)" in lines and "13 warning(s):" in lines
    assert lines[-1] == "  ... and 3 more (--json lists them all)"
    out = io.StringIO()
    bar = ProgressBar("people", stream=out)
    for stage, done, total in (("read", 0, 100), ("check", 0, 10), ("check", 5, 10), ("done", 10, 10)):
        bar(stage, done, total)
    assert out.getvalue().splitlines() == [
        "people: reading the file (100 bytes)",
        "people: checking rows (10 rows)",
        "people: done (10 rows)",
    ]
