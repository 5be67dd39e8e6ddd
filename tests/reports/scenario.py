"""A year and a half of the IDK project, entered through the real services' APIs on top of their seeds.

Costs are booked month by month through 2020 and 2021, the first payment claim is submitted, pilots
are run with indicators measured in autumn 2020 and autumn 2021, champions are enrolled and coached
in both years and the competence and maturity rounds of 2020 and 2021 are answered. So the interim
evaluation as of 2021-01-01 and as of 2021-12-31 differ where the data does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import httpx

from pilots.seed_data import pilot_id as sample_pilot_id

Auth = Callable[..., dict[str, str]]
KUOPIO, SAVONIA = "0171450-7", "2629463-3"
UNIT_HEADER = "Yksikkökoodi;Nimi;Yläyksikkö;Toimiala;Esihenkilön henkilönumero"
PEOPLE_HEADER = (
    "Henkilönumero;Sukunimi;Etunimet;Kutsumanimi;Sähköposti;Nimike;Yksikkökoodi;Organisaatioyksikkö;"
    "Kustannuspaikka;Henkilöstöryhmä;Esihenkilön henkilönumero;Palvelussuhde alkaa;Palvelussuhde päättyy"
)
# unit code -> (parent, sector, people)
UNITS = {
    "KO": (None, "Kasvu ja oppiminen", 0),
    "KO-PO": ("KO", "Kasvu ja oppiminen", 12),
    "HY": (None, "Hyvinvoinnin edistäminen", 11),
    "KY": (None, "Kaupunkiympäristö", 4),  # under 10: its survey figures are never shown
}
SELF_ITEMS = ["P1", "P2", "P3", "P4", "P5", "P6", "K1", "K2", "K3", "K4", "K5", "K6"]


def ok(response: httpx.Response, *codes: int) -> Any:
    assert response.status_code in (codes or (200, 201)), response.text
    return response.json() if response.content else None


async def load_budget(client: httpx.AsyncClient, auth: Auth) -> None:
    """Staff, purchased services and travel each quarter for both implementers in 2020-2021; claim 1 submitted."""
    admin = auth("admin")
    n = 0
    for year in (2020, 2021):
        for month in (2, 5, 8, 11):
            day = f"{year}-{month:02d}-15"
            for impl, staff in ((KUOPIO, "63000.00"), (SAVONIA, "25500.00")):
                for category, amount in (
                    ("staff", staff),
                    ("purchased_services", "9300.00"),
                    ("travel", "720.00"),
                ):
                    n += 1
                    body = {
                        "implementer": impl,
                        "entry_date": day,
                        "category": category,
                        "amount": amount,
                        "voucher_ref": f"V{n:05d}",
                        "description": f"{category} {day}",
                    }
                    ok(await client.post("/projects/S21894/costs", json=body, headers=admin), 201)
    finance = auth("finance", implementer=KUOPIO, subject="finance-kuopio")
    claim = ok(
        await client.post(
            "/projects/S21894/claims",
            json={"period_start": "2020-01-01", "period_end": "2020-06-30"},
            headers=finance,
        ),
        201,
    )
    url = f"/projects/S21894/claims/{claim['number']}"
    etag = (await client.get(url, headers=finance)).headers["etag"]  # claim actions need If-Match
    ok(await client.post(f"{url}/status", json={"status": "submitted"}, headers=finance | {"If-Match": etag}))


async def load_pilots(client: httpx.AsyncClient, auth: Auth, owners: list[str]) -> list[str]:
    """The pilots service's seeded IDK sample pilots (their histories make the two dates differ),
    handed to ``owners`` (person ids the participants service knows) in order."""
    pm = auth("project_manager", subject="person-pm")
    ids = [sample_pilot_id(n) for n in range(1, len(owners) + 1)]
    for pid, owner in zip(ids, owners, strict=True):
        current = await client.get(f"/pilots/{pid}", headers=pm)
        ok(current)
        ok(
            await client.patch(
                f"/pilots/{pid}",
                json={"owner_id": owner},
                headers={**pm, "If-Match": current.headers["etag"]},
            )
        )
    return ids


async def load_participants(client: httpx.AsyncClient, auth: Auth) -> list[str]:
    """People, champions, coaching and answers; returns the ids of people who own no pilot yet
    and are not champions (the scenario's pilot owners)."""
    admin = auth("admin")
    units = "\r\n".join([UNIT_HEADER] + [f"{c};Yksikkö {c};{p or ''};{s};" for c, (p, s, _) in UNITS.items()])
    ok(
        await client.post(
            "/imports/hr/org-units",
            files={"file": ("u.csv", units.encode())},
            params={"dry_run": False},
            headers=admin,
        )
    )
    lines, number = [PEOPLE_HEADER], 600000
    for unit, (_, _, count) in UNITS.items():
        for _ in range(count):
            number += 1
            lines.append(
                f"{number};Henkilö{number};Testi;;h{number}@kuopio.example;asiantuntija;{unit};Yksikkö;1;A;;1.1.2019;"
            )
    ok(
        await client.post(
            "/imports/hr/people",
            files={"file": ("p.csv", "\r\n".join(lines).encode())},
            params={"dry_run": False},
            headers=admin,
        )
    )
    org = {
        u["id"]: u["code"]
        for u in ok(await client.get("/org-units", headers=admin, params={"limit": 200}))["items"]
    }
    people: dict[str, list[str]] = {u: [] for u in UNITS}
    for p in ok(await client.get("/people", params={"limit": 200}, headers=admin))["items"]:
        people[org[p["org_unit_id"]]].append(p["id"])
    champions = people["KO-PO"][:4] + people["HY"][:3] + people["KY"][:1]
    starts = [
        "2020-03-01",
        "2020-04-01",
        "2020-06-01",
        "2020-09-01",
        "2021-02-01",
        "2021-03-01",
        "2021-05-01",
        "2021-08-01",
    ]
    for person, start in zip(champions, starts, strict=True):
        ok(
            await client.post(
                "/champions",
                json={"person_id": person, "project_code": "S21894", "start_date": start},
                headers=admin,
            ),
            201,
        )
    for date, hours, attendees in (
        ("2020-04-15", "3", champions[:2]),
        ("2020-10-01", "4", champions[:4]),
        ("2021-02-10", "3", champions[:5]),
        ("2021-09-15", "2", champions),
    ):
        event = ok(
            await client.post(
                "/coaching-events",
                json={
                    "project_code": "S21894",
                    "kind": "coaching",
                    "title": "Valmennus",
                    "date": date,
                    "hours": hours,
                },
                headers=admin,
            ),
            201,
        )
        ok(
            await client.post(
                f"/coaching-events/{event['id']}/attendance", json={"person_ids": attendees}, headers=admin
            )
        )
    rounds = ok(await client.get("/rounds", params={"project_code": "S21894"}, headers=admin))["items"]
    by = {(r["framework_code"], r["kind"]): r["id"] for r in rounds}
    # the seeded rounds closed in 2020-2021: reopened to record the scenario's answers, closed again
    entered = [by[(f, k)] for f in ("kunta-itsearvio", "digital-maturity-5") for k in ("baseline", "interim")]
    until = dt.date.today().isoformat()
    for rid in entered:
        reason = {"reason": "scenario answers", "until": until}
        ok(await client.post(f"/rounds/{rid}/reopen", json=reason, headers=admin))
    for persons in people.values():
        for i, pid in enumerate(persons):
            for kind, value in (("baseline", 2 + i % 2), ("interim", 3 + i % 2)):
                answers = [{"item_code": c, "value": value} for c in SELF_ITEMS]
                ok(
                    await client.post(
                        f"/rounds/{by[('kunta-itsearvio', kind)]}/answers",
                        json={"person_id": pid, "answers": answers},
                        headers=admin,
                    )
                )
    unit_ids = {code: uid for uid, code in org.items()}
    for unit, (base, later) in {"KO": (2, 3), "HY": (1, 3), "KY": (2, 2)}.items():
        for kind, value in (("baseline", base), ("interim", later)):
            ok(
                await client.post(
                    f"/rounds/{by[('digital-maturity-5', kind)]}/answers",
                    json={"org_unit_id": unit_ids[unit], "answers": [{"item_code": "S1", "value": value}]},
                    headers=admin,
                )
            )
    for rid in entered:
        ok(await client.post(f"/rounds/{rid}/close", json={}, headers=admin))
    owners = [p for persons in people.values() for p in persons if p not in champions]
    return owners[:2]
