"""Test helpers: org units and people through the real HR import endpoints."""

from __future__ import annotations

from collections.abc import Callable

import httpx

Auth = Callable[..., dict[str, str]]
UNIT_HEADER = "Yksikkökoodi;Nimi;Yläyksikkö;Toimiala;Esihenkilön henkilönumero"
PEOPLE_HEADER = (
    "Henkilönumero;Sukunimi;Etunimet;Kutsumanimi;Sähköposti;Nimike;Yksikkökoodi;Organisaatioyksikkö;"
    "Kustannuspaikka;Henkilöstöryhmä;Esihenkilön henkilönumero;Palvelussuhde alkaa;Palvelussuhde päättyy"
)
# code -> (parent, sector)
UNITS = {
    "KO": (None, "Kasvu"),
    "KO-PO": ("KO", "Kasvu"),
    "KO-PO-01": ("KO-PO", "Kasvu"),
    "KO-VK": ("KO", "Kasvu"),
    "HE": (None, "Hyvinvointi"),
}


async def make_people(
    client: httpx.AsyncClient, auth: Auth, counts: dict[str, int], *, end: str = ""
) -> dict[str, list[str]]:
    """Import the test units and ``counts[unit]`` people in each; returns unit code -> person ids."""
    pm = auth("admin")
    units = "\r\n".join([UNIT_HEADER] + [f"{c};Unit {c};{p or ''};{s};" for c, (p, s) in UNITS.items()])
    response = await client.post(
        "/imports/hr/org-units",
        files={"file": ("u.csv", units.encode())},
        params={"dry_run": False},
        headers=pm,
    )
    assert response.status_code == 200, response.text
    lines, number = [PEOPLE_HEADER], 500000
    for unit, n in counts.items():
        for _ in range(n):
            number += 1
            lines.append(
                f"{number};Person{number};Test;;p{number}@kuopio.example;tester;{unit};Unit;1;A;;1.1.2020;{end}"
            )
    response = await client.post(
        "/imports/hr/people",
        files={"file": ("p.csv", "\r\n".join(lines).encode())},
        params={"dry_run": False},
        headers=pm,
    )
    assert response.status_code == 200, response.text
    org = {
        u["id"]: u["code"]
        for u in (await client.get("/org-units", headers=pm, params={"limit": 200})).json()["items"]
    }
    result: dict[str, list[str]] = {u: [] for u in counts}
    offset = 0
    while True:
        page = (await client.get("/people", params={"limit": 200, "offset": offset}, headers=pm)).json()
        for p in page["items"]:
            result[org[p["org_unit_id"]]].append(p["id"])
        if page["next_offset"] is None:
            return result
        offset = page["next_offset"]


async def reopen(client: httpx.AsyncClient, auth: Auth, round_id: int) -> None:
    """Reopen a seeded (closed) round until today, to record answers in a test."""
    import datetime as dt

    response = await client.post(
        f"/rounds/{round_id}/reopen",
        json={"reason": "test answers", "until": dt.date.today().isoformat()},
        headers=auth("project_manager"),
    )
    assert response.status_code == 200, response.text


async def close(client: httpx.AsyncClient, auth: Auth, round_id: int) -> None:
    response = await client.post(f"/rounds/{round_id}/close", json={}, headers=auth("project_manager"))
    assert response.status_code == 200, response.text
