"""The iCalendar feed validates with the icalendar library and is subscribable: stable UIDs,
DTSTAMP, escaping and folding, a secret URL that can be replaced."""

from __future__ import annotations

import httpx
from icalendar import Calendar

from tests.reports.conftest import Auth


def events(body: bytes) -> dict[str, object]:
    cal = Calendar.from_ical(body)
    assert cal["VERSION"] == "2.0" and "PRODID" in cal
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


async def test_feed_parses_and_keeps_uids(client: httpx.AsyncClient, auth: Auth) -> None:
    pm = auth("project_manager")
    first = await client.get("/projects/S21894/calendar.ics", headers=pm)
    assert first.status_code == 200 and first.headers["content-type"].startswith("text/calendar")
    assert all(len(line) <= 75 for line in first.content.split(b"\r\n")), "lines are folded at 75 octets"
    found = events(first.content)
    assert len(found) == 11
    interim = found["S21894-interim_evaluation-1@reports.hanke.kuopio.example"]
    assert interim.decoded("DTSTART").isoformat() == "2021-01-01"  # type: ignore[attr-defined]
    assert "DTSTAMP" in interim and interim["SUMMARY"] == "S21894: Väliarviointi kaupunginhallitukselle"  # type: ignore[index]
    # text with commas, semicolons and a newline survives the escaping
    ob = next(
        o
        for o in (await client.get("/projects/S21894/calendar", headers=pm)).json()["obligations"]
        if o["kind"] == "final_report"
    )
    tricky = 'Hankepäällikkö; talous, viestintä\\ ja "muut"'
    changed = await client.patch(
        f"/obligations/{ob['id']}",
        json={"responsible_role": tricky},
        headers={**pm, "If-Match": f'"v{ob["version"]}"'},
    )
    assert changed.status_code == 200, changed.text
    second = events((await client.get("/projects/S21894/calendar.ics", headers=pm)).content)
    assert set(second) == set(found)  # UIDs stay while obligations change
    final = second["S21894-final_report-1@reports.hanke.kuopio.example"]
    assert f"Vastuussa: {tricky}" in str(final["DESCRIPTION"])  # type: ignore[index]
    assert int(final["SEQUENCE"]) == 2  # type: ignore[index]
    english = events((await client.get("/projects/S21894/calendar.ics?lang=en", headers=pm)).content)
    assert str(english[next(iter(english))]["SUMMARY"]).startswith("S21894: ")  # type: ignore[index]
    assert (await client.get("/projects/S21894/calendar.ics")).status_code == 401


async def test_secret_feed_url(client: httpx.AsyncClient, auth: Auth) -> None:
    pm = auth("project_manager")
    assert (
        await client.post("/projects/S21894/calendar/feed-token", headers=auth("steering"))
    ).status_code == 403
    issued = await client.post("/projects/S21894/calendar/feed-token", headers=pm)
    assert issued.status_code == 200, issued.text
    url = issued.json()["feed_url"]
    assert url.startswith("http://hanke.test/api/v1/reports/feeds/")
    path = url.removeprefix("http://hanke.test/api/v1/reports")
    feed = await client.get(path)  # no bearer token: the URL is the credential
    assert feed.status_code == 200 and len(events(feed.content)) == 11
    assert feed.headers["referrer-policy"] == "no-referrer"
    renewed = (await client.post("/projects/S21894/calendar/feed-token", headers=pm)).json()["feed_url"]
    assert (await client.get(path)).status_code == 404  # the old URL stops working
    assert (await client.get(renewed.removeprefix("http://hanke.test/api/v1/reports"))).status_code == 200
    assert (await client.get("/feeds/" + "x" * 43 + "/calendar.ics")).status_code == 404
    assert (await client.get("/feeds/short/calendar.ics")).status_code == 422
