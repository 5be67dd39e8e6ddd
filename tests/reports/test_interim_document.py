"""The IDK interim evaluation rendered from the seeded live services: every chart with its table,
the formats asked for, and the two dates differing where the data does."""

from __future__ import annotations

from typing import Any

import httpx

from tests.reports.conftest import Auth, Live

CHARTS = (
    "budget-by-year",
    "budget-by-category",
    "funding-by-source",
    "own-funding",
    "pilot-portfolio",
    "indicator-progress",
    "competence-by-sector",
    "maturity-by-sector",
    "champions-over-time",
)


async def interim(client: httpx.AsyncClient, auth: Auth, as_of: str, **params: str) -> httpx.Response:
    response = await client.get(
        "/projects/S21894/interim-evaluation",
        params={"as_of": as_of, **params},
        headers=auth("project_manager"),
    )
    assert response.status_code == 200, response.text
    return response


def charts(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["id"]: b for s in body["document"]["sections"] for b in s["blocks"] if b["type"] == "chart"}


async def test_json_has_every_chart_with_its_table_and_provenance(
    client: httpx.AsyncClient, auth: Auth, live: Live
) -> None:
    body = (await interim(client, auth, "2021-01-01")).json()
    assert body["snapshot"]["missing"] == []
    found = charts(body)
    assert set(found) == set(CHARTS)
    for chart_id, block in found.items():
        assert block["table"]["rows"], chart_id
        assert block["source"]["service"] in ("budget", "pilots", "participants"), chart_id
        for row in block["table"]["rows"]:
            assert row["link"].startswith("/api/v1/"), (chart_id, row)
            assert row["source"] in body["snapshot"]["sources"], (chart_id, row)
    for source in body["snapshot"]["sources"].values():
        assert source["link"].startswith(f"/api/v1/{source['service']}/")
        if source["endpoint"] != "/projects/{code}":
            assert source["params"]["as_of"], source["id"]
    year = {r["cells"][0]: r for r in found["budget-by-year"]["table"]["rows"]}
    assert (
        year["2020"]["link"] == "/api/v1/budget/projects/S21894/costs?date_from=2020-01-01&date_to=2020-12-31"
    )
    text = str(body)
    assert "@kuopio.example" not in text  # no personal identifiers
    assert not [owner for owner in live.owner_ids if owner in text]


async def test_the_two_dates_differ_where_the_data_does(client: httpx.AsyncClient, auth: Auth) -> None:
    early = charts((await interim(client, auth, "2021-01-01")).json())
    late = charts((await interim(client, auth, "2021-12-31")).json())
    cells = lambda block: [r["cells"] for r in block["table"]["rows"]]  # noqa: E731
    year_early = {r[0]: r for r in cells(early["budget-by-year"])}
    year_late = {r[0]: r for r in cells(late["budget-by-year"])}
    assert year_early["2021"][2] == "0,00\u00a0€" and year_late["2021"][2] != year_early["2021"][2]
    assert year_early["2020"][2] == year_late["2020"][2]
    # pilots' stages on each day (the seeded histories), not today's
    stages = lambda block: {r[0]: r[1] for r in cells(block["pilot-portfolio"])}  # noqa: E731
    assert stages(early)["Suunniteltu"] == "2" and stages(early)["Käynnissä"] == "2"
    assert (
        stages(late)["Käynnissä"] == "3"
        and stages(late)["Arvioitu"] == "1"
        and stages(late)["Lopetettu"] == "1"
    )
    assert len(cells(late["champions-over-time"])) > len(cells(early["champions-over-time"]))
    assert (
        cells(early["champions-over-time"])[-1][1] == "4" and cells(late["champions-over-time"])[-1][1] == "8"
    )
    # the 2021 rounds closed after 2021-01-01: only the baseline then, the interim round later
    assert {r[5] for r in cells(early["competence-by-sector"])} == {"–"}
    assert {r[5] for r in cells(late["competence-by-sector"])} == {"Interim 2021"}
    # a sector under 10 respondents is never shown, on either day
    for block in (early, late):
        small = [r for r in cells(block["competence-by-sector"]) if r[0] == "Kaupunkiympäristö"][0]
        assert "alle 10" in small[2] and small[4] == "–"
    assert "alle 10" in [r for r in cells(late["competence-by-sector"]) if r[0] == "Kaupunkiympäristö"][0][3]
    # a sector of 12: the baseline is shown on both days, the interim round only once it has closed
    kasvu = {
        day: [r for r in cells(block["competence-by-sector"]) if r[0] == "Kasvu ja oppiminen"][0]
        for day, block in (("early", early), ("late", late))
    }
    assert kasvu["early"][2] == kasvu["late"][2] == "2,50"
    assert kasvu["early"][3] == "–" and kasvu["late"][3] == "3,50" and kasvu["late"][4] == "1,00"


async def test_formats_by_accept_and_query(client: httpx.AsyncClient, auth: Auth) -> None:
    pm = auth("project_manager")
    url = "/projects/S21894/interim-evaluation?as_of=2021-01-01"
    html = await client.get(url, headers={**pm, "Accept": "text/html,application/xhtml+xml;q=0.9"})
    assert html.headers["content-type"].startswith("text/html") and b"Kh \xc2\xa7 81/2019" in html.content
    pdf = await client.get(url, headers={**pm, "Accept": "application/pdf"})
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    docx = await client.get(url + "&format=docx", headers=pm)
    assert docx.content.startswith(b"PK") and "wordprocessingml" in docx.headers["content-type"]
    assert 'filename="S21894-valiarviointi-2021-01-01-fi.docx"' in docx.headers["content-disposition"]
    en = await client.get(url + "&format=html", headers={**pm, "Accept-Language": "en-GB,en;q=0.8"})
    assert b"Interim evaluation" in en.content and en.headers["content-language"] == "en"
    fi = await client.get(url + "&format=html&lang=fi", headers={**pm, "Accept-Language": "en"})
    assert "Väliarviointi".encode() in fi.content
    for bad in ({"Accept": "image/png"}, {"Accept": "text/csv, application/xml;q=0.5"}):
        refused = await client.get(url, headers={**pm, **bad})
        assert refused.status_code == 406 and refused.headers["content-type"] == "application/problem+json"
        assert "application/pdf" in refused.json()["detail"]
    assert (await client.get(url + "&format=xlsx", headers=pm)).status_code == 406
    assert (await client.get(url + "&lang=sv", headers=pm)).status_code == 400
    assert (await client.get(url.replace("2021-01-01", "2021-02-30"), headers=pm)).status_code == 422


async def test_access_is_the_services_own(client: httpx.AsyncClient, auth: Auth) -> None:
    url = "/projects/S21894/interim-evaluation?as_of=2021-01-01"
    assert (await client.get(url)).status_code == 401
    assert (await client.get(url, headers=auth("champion"))).status_code == 403
    steering = (await client.get(url, headers=auth("steering"))).json()
    assert steering["snapshot"]["missing"] == []  # aggregates are the steering group's to read
    assert (await client.get("/projects/NOPE/interim-evaluation", headers=auth("admin"))).status_code == 404
