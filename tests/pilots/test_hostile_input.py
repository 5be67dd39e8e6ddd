"""Hostile input is a 4xx problem naming the field, never a 500 (issue 10): control characters in
text, numbers where dates belong, explicit nulls, integers beyond the column."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from tests.pilots.helpers import PROJECT, add_indicator, create_pilot, etag_of, evaluated_pilot, question_ids

Auth = Callable[..., dict[str, str]]
BAD = "Kokeilu \u0001"


def _field(response: httpx.Response) -> str:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return str(response.json()["errors"][0]["name"])


async def test_control_characters_are_refused_everywhere(client: httpx.AsyncClient, auth: Auth) -> None:
    pm = auth("project_manager")
    assert (
        _field(await client.post(f"/projects/{PROJECT}/pilots", json={"title": BAD}, headers=pm))
        == "body.title"
    )
    pilot = await create_pilot(client, pm, "Clean")
    pid = pilot["id"]
    read = await client.get(f"/pilots/{pid}", headers=pm)
    assert (
        _field(
            await client.patch(f"/pilots/{pid}", json={"need": "a\u0007b"}, headers={**pm, **etag_of(read)})
        )
        == "body.need"
    )
    assert (
        _field(
            await client.post(f"/pilots/{pid}/timeline", json={"text": "=WEBSERVICE(x)\u001b"}, headers=pm)
        )
        == "body.text"
    )
    ind = await add_indicator(client, pm, pid)
    m = {"indicator_id": ind["id"], "measured_on": "2021-01-02", "value": 3, "narrative": "n\u0000"}
    assert _field(await client.post(f"/pilots/{pid}/measurements", json=m, headers=pm)) == "body.narrative"
    ids = await question_ids(client, pm)
    answer = await client.put(
        f"/pilots/{pid}/reflections/{ids['evaluated.assumed']}", json={"answer": "x\u0085"}, headers=pm
    )
    assert _field(answer) == "body.answer"
    sector = {"code": "x", "name_fi": BAD, "name_en": "x"}
    assert _field(await client.post("/sectors", json=sector, headers=auth("admin"))) == "body.name_fi"
    # line breaks and tabs are fine in long text, not in a title
    ok = await client.patch(
        f"/pilots/{pid}", json={"need": "line one\nline two\twith a tab"}, headers={**pm, **etag_of(read)}
    )
    assert ok.status_code == 200
    assert (
        _field(await client.post(f"/projects/{PROJECT}/pilots", json={"title": "two\nlines"}, headers=pm))
        == "body.title"
    )
    # nothing stored: every export still renders
    for url in (
        f"/pilots/{pid}/export",
        f"/projects/{PROJECT}/portfolio/export",
        f"/projects/{PROJECT}/learning/export",
    ):
        assert (await client.get(url, params={"format": "xlsx"}, headers=pm)).status_code == 200, url


async def test_numbers_are_not_dates_and_nulls_are_not_values(client: httpx.AsyncClient, auth: Auth) -> None:
    pm = auth("project_manager")
    pilot = await create_pilot(client, pm, "Strict")
    pid = pilot["id"]
    for params in ({"as_of": "0"}, {"as_of": "2021-1-1"}, {"as_of": "true"}):
        assert _field(await client.get(f"/pilots/{pid}", params=params, headers=pm)) == "query.as_of"
        assert (
            await client.get(f"/projects/{PROJECT}/portfolio", params=params, headers=pm)
        ).status_code == 422
    assert (
        _field(await client.post(f"/pilots/{pid}/timeline", json={"text": "t", "posted_on": 0}, headers=pm))
        == "body.posted_on"
    )
    assert (
        _field(
            await client.post(f"/projects/{PROJECT}/pilots", json={"title": "t", "start_date": 0}, headers=pm)
        )
        == "body.start_date"
    )
    read = await client.get(f"/pilots/{pid}", headers=pm)
    for field in ("title", "owner_id", "sectors", "customer_groups"):
        got = await client.patch(f"/pilots/{pid}", json={field: None}, headers={**pm, **etag_of(read)})
        assert _field(got) == f"body.{field}" and "cannot be null" in got.json()["detail"]
    cleared = await client.patch(
        f"/pilots/{pid}", json={"need": None, "start_date": None}, headers={**pm, **etag_of(read)}
    )
    assert cleared.status_code == 200 and cleared.json()["need"] is None
    huge = 9223372036854775808
    read = await client.get(f"/pilots/{pid}", headers=pm)
    assert (
        _field(
            await client.patch(
                f"/pilots/{pid}", json={"customers_involved": huge}, headers={**pm, **etag_of(read)}
            )
        )
        == "body.customers_involved"
    )
    assert (
        _field(
            await client.patch(
                f"/pilots/{pid}", json={"success_rating": True}, headers={**pm, **etag_of(read)}
            )
        )
        == "body.success_rating"
    )
    long_id = "x" * 37
    assert (await client.get(f"/pilots/{long_id}", headers=pm)).status_code == 422


async def test_decision_dates_and_numbers_are_strict(client: httpx.AsyncClient, auth: Auth) -> None:
    pm = auth("project_manager")
    pilot = await evaluated_pilot(client, pm, "Decided strictly")
    body = {
        "outcome": "park",
        "reasoning": "Waiting for funding.",
        "evidence": [{"kind": "measurement", "ref": pilot["measurement_id"]}],
        "decision": {"reference": "OR 1/2022", "decided_on": 0},
    }
    assert (
        _field(await client.post(f"/pilots/{pilot['id']}/decisions", json=body, headers=pm))
        == "body.decision.decided_on"
    )
    body["decision"] = {"reference": "OR 1/2022", "decided_on": "2099-01-01"}
    assert (
        _field(await client.post(f"/pilots/{pilot['id']}/decisions", json=body, headers=pm))
        == "body.decision.decided_on"
    )
