"""Reports frozen as numbered versions: the narrative kept with them, numbers allocated without a
race, a frozen version byte-for-byte the same after the live data changes, the difference between
two versions, and the database refusing to change a frozen row."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from hanke_libs.db import standalone_database
from hanke_libs.testing import bearer
from reports.config import Settings
from tests.reports.conftest import Auth, Live

FORMATS = ("json", "html", "pdf", "docx")


async def new_report(client: httpx.AsyncClient, auth: Auth, **body: Any) -> dict[str, Any]:
    response = await client.post(
        "/projects/S21894/reports",
        json={"kind": "interim_evaluation", **body},
        headers=auth("project_manager"),
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


async def test_report_links_to_its_obligation_and_keeps_narrative(
    client: httpx.AsyncClient, auth: Auth, live: Live
) -> None:
    report = await new_report(client, auth)
    assert report["as_of"] == "2021-01-01" and report["obligation_id"] is not None
    url = f"/reports/{report['id']}/narrative/goal:3"
    pm = auth("project_manager", subject="person-pm")
    made = await client.put(url, json={"text": "Kolme kokeilua käynnissä."}, headers=pm)
    assert made.status_code == 201 and made.headers["etag"] == '"v1"'
    assert (await client.put(url, json={"text": "Muutos"}, headers=pm)).status_code == 428
    assert (
        await client.put(url, json={"text": "Muutos"}, headers={**pm, "If-Match": '"v7"'})
    ).status_code == 412
    changed = await client.put(
        url, json={"text": "Kolme kokeilua käynnissä,\n\nyksi lopetettu."}, headers={**pm, "If-Match": '"v1"'}
    )
    assert changed.status_code == 200 and changed.json()["version"] == 2
    assert (
        await client.put(f"/reports/{report['id']}/narrative/goal:9", json={"text": "x"}, headers=pm)
    ).status_code == 422
    # a pilot's owner writes its own pilot's section only (the pilots service says who owns it)
    own, other = live.pilot_ids[0], live.pilot_ids[1]
    owner = auth("pilot_owner", subject=live.owner_ids[0])
    assert (
        await client.put(
            f"/reports/{report['id']}/narrative/pilot:{own}", json={"text": "Hyvin menee."}, headers=owner
        )
    ).status_code == 201
    assert (
        await client.put(
            f"/reports/{report['id']}/narrative/pilot:{other}", json={"text": "x"}, headers=owner
        )
    ).status_code == 403
    assert (
        await client.put(f"/reports/{report['id']}/narrative/summary", json={"text": "x"}, headers=owner)
    ).status_code == 403
    draft = (await client.get(f"/reports/{report['id']}/draft", headers=pm)).json()
    narr = {
        b["key"]: b for s in draft["document"]["sections"] for b in s["blocks"] if b["type"] == "narrative"
    }
    assert narr["goal:3"]["text"].endswith("yksi lopetettu.") and narr["goal:3"]["by"] == "person-pm"
    assert narr[f"pilot:{own}"]["text"] == "Hyvin menee." and f"pilot:{own}" in draft["narrative_keys"]
    html = (await client.get(f"/reports/{report['id']}/draft?format=html", headers=pm)).text
    assert "<p>yksi lopetettu.</p>" in html


async def _render_all(
    client: httpx.AsyncClient, headers: dict[str, str], report_id: int, n: int
) -> dict[str, bytes]:
    out = {}
    for fmt in FORMATS:
        response = await client.get(
            f"/reports/{report_id}/versions/{n}", params={"format": fmt}, headers=headers
        )
        assert response.status_code == 200, response.text
        out[fmt] = response.content
    return out


async def test_frozen_version_never_changes_and_versions_compare(
    client: httpx.AsyncClient, auth: Auth, live: Live
) -> None:
    pm = auth("project_manager", subject="person-pm")
    report = await new_report(client, auth)
    rid = report["id"]
    await client.put(f"/reports/{rid}/narrative/summary", json={"text": "Ensimmäinen vuosi."}, headers=pm)
    frozen = await client.post(f"/reports/{rid}/versions", json={"note": "Kh:lle 25.1.2021"}, headers=pm)
    assert frozen.status_code == 201, frozen.text
    assert frozen.json()["number"] == 1 and frozen.json()["frozen_by"] == "person-pm"
    before = await _render_all(client, pm, rid, 1)
    assert before["pdf"].startswith(b"%PDF") and before["docx"].startswith(b"PK")

    # the live data changes: a cost booked into 2020 after the freeze
    admin = bearer(Settings(), "admin")
    async with httpx.AsyncClient(base_url=live.urls["budget"], timeout=30) as budget:
        entry = await budget.post(
            "/projects/S21894/costs",
            json={
                "implementer": "0171450-7",
                "entry_date": "2020-10-20",
                "category": "travel",
                "amount": "1234.56",
                "voucher_ref": "LATE-1",
            },
            headers=admin,
        )
        assert entry.status_code == 201, entry.text
        try:
            await client.put(
                f"/reports/{rid}/narrative/summary",
                json={"text": "Korjattu."},
                headers={**pm, "If-Match": '"v1"'},
            )
            after = await _render_all(client, pm, rid, 1)
            for fmt in FORMATS:
                assert after[fmt] == before[fmt], f"version 1 as {fmt} changed"
            live_draft = (await client.get(f"/reports/{rid}/draft", headers=pm)).json()
            year = next(
                b
                for s in live_draft["document"]["sections"]
                for b in s["blocks"]
                if b.get("id") == "budget-by-year"
            )
            assert year["table"]["rows"][0]["cells"][2] == "495\u00a0574,56\u00a0€"  # 494 340,00 + 1 234,56
            second = await client.post(f"/reports/{rid}/versions", headers=pm)
            assert second.json()["number"] == 2
        finally:
            deleted = await budget.delete(
                f"/projects/S21894/costs/{entry.json()['id']}",
                headers={**admin, "If-Match": entry.headers["etag"]},
            )
            assert deleted.status_code == 204, deleted.text
    diff = await client.get(
        f"/reports/{rid}/versions/compare", params={"a": 1, "b": 2}, headers=auth("steering")
    )
    assert diff.status_code == 200, diff.text
    body = diff.json()
    where = {c["where"]: c for c in body["changed"]}
    key = "Talous / Budjetin käyttö vuosittain / 2020 / Toteutunut"
    assert where[key]["a"] == "494\u00a0340,00\u00a0€" and where[key]["b"] == "495\u00a0574,56\u00a0€"
    assert body["narrative"] == [{"key": "summary", "a": "Ensimmäinen vuosi.", "b": "Korjattu."}]
    assert (
        "budget.utilisation" in body["sources_changed"] and "pilots.portfolio" not in body["sources_changed"]
    )
    assert (await client.get(f"/reports/{rid}/versions/compare?a=1&b=9", headers=pm)).status_code == 404
    # the interim evaluation obligation is done from the day version 1 was frozen
    cal = (await client.get("/projects/S21894/calendar", headers=pm)).json()
    interim = next(o for o in cal["obligations"] if o["kind"] == "interim_evaluation")
    assert interim["status"] == "done" and "version 1 frozen" in interim["done_detail"]


async def test_concurrent_freezes_get_consecutive_numbers(client: httpx.AsyncClient, auth: Auth) -> None:
    pm = auth("project_manager")
    for _round in range(2):
        report = await new_report(client, auth, as_of="2021-06-30", obligation_id=None)
        answers = await asyncio.gather(
            *(client.post(f"/reports/{report['id']}/versions", headers=pm) for _ in range(5))
        )
        assert all(a.status_code == 201 for a in answers), [a.text for a in answers]
        assert sorted(a.json()["number"] for a in answers) == [1, 2, 3, 4, 5]
        listed = (await client.get(f"/reports/{report['id']}/versions", headers=auth("auditor"))).json()
        assert [v["number"] for v in listed] == [1, 2, 3, 4, 5]
    stale = await client.post(f"/reports/{report['id']}/versions", headers={**pm, "If-Match": '"v9"'})
    assert stale.status_code == 412
    assert (
        await client.post(f"/reports/{report['id']}/versions", headers=auth("steering"))
    ).status_code == 403


async def test_database_refuses_to_change_a_frozen_version(
    client: httpx.AsyncClient, auth: Auth, settings: Settings
) -> None:
    report = await new_report(client, auth)
    assert (await client.post(f"/reports/{report['id']}/versions", headers=auth("admin"))).status_code == 201
    async with standalone_database(settings.resolved_database_url()) as db:
        for statement in ("UPDATE report_version SET snapshot = '{}'", "DELETE FROM report_version"):
            async with db.engine.connect() as conn:
                with pytest.raises(DBAPIError, match="frozen"):
                    await conn.execute(text(statement))
                await conn.rollback()


async def test_bad_input(client: httpx.AsyncClient, auth: Auth) -> None:
    pm = auth("project_manager")
    cover = await client.post("/projects/S21894/reports", json={"kind": "claim_cover"}, headers=pm)
    assert cover.status_code == 422 and "claim_number" in cover.json()["detail"]
    monitoring = await client.post("/projects/S21894/reports", json={"kind": "monitoring_report"}, headers=pm)
    assert monitoring.status_code == 422 and "as_of" in monitoring.json()["detail"]
    wrong = await client.post(
        "/projects/S21894/reports", json={"kind": "final_report", "obligation_id": 1}, headers=pm
    )
    assert wrong.status_code == 422
    assert (await client.get("/reports/999", headers=pm)).status_code == 404
    assert (await client.get("/reports/999/versions/1", headers=pm)).status_code == 404
    report = await new_report(client, auth)
    assert (await client.get(f"/reports/{report['id']}/draft?format=docx", headers=pm)).status_code == 200
    claim = await client.post(
        "/projects/S21894/reports",
        json={"kind": "claim_cover", "claim_number": 1, "as_of": "2020-06-30"},
        headers=pm,
    )
    assert claim.status_code == 201
    cid = claim.json()["id"]
    assert (await client.get(f"/reports/{cid}/draft?format=docx", headers=pm)).status_code == 406
    doc = (await client.get(f"/reports/{cid}/draft", headers=pm)).json()["document"]
    facts = {
        r["label"]: r for s in doc["sections"] for b in s["blocks"] if b["type"] == "facts" for r in b["rows"]
    }
    assert facts["Tukikelpoiset kustannukset"]["value"] == "247\u00a0170,00\u00a0€"
    assert facts["Tukikelpoiset kustannukset"]["link"] == "/api/v1/budget/projects/S21894/costs?claim_id=1"


async def test_steering_reads_reports_without_who_wrote_or_froze_them(
    client: httpx.AsyncClient, auth: Auth
) -> None:
    pm = auth("project_manager", subject="person-pm-7")
    made = await client.post("/projects/S21894/reports", json={"kind": "interim_evaluation"}, headers=pm)
    assert made.status_code == 201, made.text
    rid = made.json()["id"]
    await client.put(f"/reports/{rid}/narrative/summary", json={"text": "Vuosi yksi."}, headers=pm)
    assert (await client.post(f"/reports/{rid}/versions", json={}, headers=pm)).status_code == 201
    steering = auth("steering", subject="board-member")
    seen = [
        (await client.get(f"/reports/{rid}", headers=steering)).text,
        (await client.get("/projects/S21894/reports", headers=steering)).text,
        (await client.get(f"/reports/{rid}/versions", headers=steering)).text,
        (await client.get(f"/reports/{rid}/versions/1?format=json", headers=steering)).text,
        (await client.get(f"/reports/{rid}/versions/1?format=html", headers=steering)).text,
        (await client.get(f"/reports/{rid}/draft?format=json", headers=steering)).text,
        (await client.get("/projects/S21894/obligations", headers=steering)).text,
    ]
    for text_seen in seen:
        assert "person-pm-7" not in text_seen
    as_pm = (await client.get(f"/reports/{rid}", headers=pm)).json()
    assert as_pm["created_by"] == "person-pm-7" and as_pm["versions"][0]["frozen_by"] == "person-pm-7"
    as_steering = (await client.get(f"/reports/{rid}", headers=steering)).json()
    assert as_steering["created_by"] is None and as_steering["versions"][0]["frozen_by"] is None
    assert as_steering["narrative"][0]["updated_by"] is None and as_steering["narrative"][0]["text"]


async def test_dates_are_strict(client: httpx.AsyncClient, auth: Auth) -> None:
    pm = auth("project_manager")
    for url in ("/projects/S21894/calendar?date=0", "/projects/S21894/interim-evaluation?as_of=0"):
        response = await client.get(url, headers=pm)
        assert response.status_code == 422, (url, response.text)
    made = await client.post(
        "/projects/S21894/reports", json={"kind": "monitoring_report", "as_of": 0}, headers=pm
    )
    assert made.status_code == 422
