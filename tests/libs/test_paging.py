"""Paging inputs through HTTP on both backends: every bad cursor, limit or offset is a 4xx problem
(the audit trail's keyset list and an offset list of the test app), never a 500."""

from __future__ import annotations

import base64
import datetime as dt

import httpx
import pytest

from hanke_libs.paging import CursorInt, PageParams, cursor_values, encode_cursor
from hanke_libs.problems import BadRequest
from hanke_libs.settings import AppSettings
from hanke_libs.testing import bearer, running
from tests.libs.conftest import make_app


def _raw_cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


BAD_CURSORS = [
    encode_cursor([10**30]),
    encode_cursor([2**63]),
    encode_cursor([-1]),
    encode_cursor([True]),
    encode_cursor(["1"]),
    encode_cursor([1.5]),
    encode_cursor([1, 2]),
    encode_cursor([]),
    encode_cursor([None]),
    _raw_cursor('{"id": 1}'),
    _raw_cursor("[1e999]"),
    _raw_cursor("[NaN]"),
    _raw_cursor("[" + "9" * 300 + "]"),
    _raw_cursor("[[[[[[[[[[1]]]]]]]]]]"),
    _raw_cursor("not json"),
    "!!notacursor",
    "%ff%fe",
    "\u00e4\u00f6",
]


@pytest.mark.parametrize("cursor", BAD_CURSORS)
async def test_bad_keyset_cursor_is_400(
    client: httpx.AsyncClient, settings: AppSettings, cursor: str
) -> None:
    response = await client.get("/audit", params={"cursor": cursor}, headers=bearer(settings, "auditor"))
    assert response.status_code == 400, response.text
    assert response.json()["type"].endswith("/invalid-cursor")
    assert "start again" in response.json()["detail"]


async def test_largest_id_cursor_is_an_empty_page(client: httpx.AsyncClient, settings: AppSettings) -> None:
    await client.post("/things", json={"name": "a"}, headers=bearer(settings, "admin"))
    auditor = bearer(settings, "auditor")
    last = await client.get("/audit", params={"cursor": encode_cursor([2**63 - 1])}, headers=auditor)
    assert last.status_code == 200 and last.json()["items"] == []
    first = await client.get("/audit", params={"cursor": encode_cursor([0])}, headers=auditor)
    assert [e["entity_id"] for e in first.json()["items"]] == ["a"]


@pytest.mark.parametrize(
    "query",
    [
        {"limit": "0"},
        {"limit": "-1"},
        {"limit": "x"},
        {"limit": "1.5"},
        {"limit": "9" * 5000},
        {"offset": "-1"},
        {"offset": str(10**30)},
        {"offset": "1.5"},
        {"cursor": "a" * 501},
    ],
)
async def test_bad_limit_offset_or_long_cursor_is_422(
    client: httpx.AsyncClient, settings: AppSettings, query: dict[str, str]
) -> None:
    for path in ("/things", "/audit"):
        response = await client.get(path, params=query, headers=bearer(settings, "admin"))
        assert response.status_code == 422, (path, response.text)
        assert response.json()["type"].endswith("/validation")


async def test_huge_limit_is_clamped(client: httpx.AsyncClient, settings: AppSettings) -> None:
    response = await client.get("/audit", params={"limit": str(10**30)}, headers=bearer(settings, "auditor"))
    assert response.status_code == 200 and response.json()["limit"] == 200


def test_typed_cursor_values() -> None:
    at = dt.datetime(2021, 3, 31, 12, 0, tzinfo=dt.UTC)
    cursor = encode_cursor([at, 42, "S21894", dt.date(2021, 1, 1)])
    params = PageParams(limit=10, offset=0, cursor=cursor)
    assert cursor_values(params, dt.datetime, CursorInt(), str, dt.date) == (
        at,
        42,
        "S21894",
        dt.date(2021, 1, 1),
    )
    assert cursor_values(PageParams(limit=1, offset=0, cursor=None), int) is None
    for bad, fields in [
        (encode_cursor(["2021-13-01"]), (dt.date,)),
        (encode_cursor([2**31]), (CursorInt(max=2**31 - 1),)),
        (encode_cursor([5]), (dt.datetime,)),
        (encode_cursor(["x" * 600]), (str,)),
        (encode_cursor([-(2**63) - 1]), (int,)),
    ]:
        with pytest.raises(BadRequest):
            cursor_values(bad, *fields)


async def test_next_links_to_the_next_page_from_configuration(
    client: httpx.AsyncClient, settings: AppSettings
) -> None:
    admin = bearer(settings, "admin")
    for name in ("a", "b", "c"):
        await client.post("/things", json={"name": name}, headers=admin)
    gateway = "/api/v1/app"  # the gateway's prefix of the test app (AppSettings.service_name())
    first = (
        await client.get("/things", params={"limit": "2"}, headers={**admin, "Host": "evil.example"})
    ).json()
    assert [t["name"] for t in first["items"]] == ["a", "b"]
    assert first["next"] == f"{gateway}/things?limit=2&offset=2"
    last = (await client.get(first["next"].removeprefix(gateway), headers=admin)).json()
    assert [t["name"] for t in last["items"]] == ["c"] and last["next"] is None

    auditor = bearer(settings, "auditor")
    seen: list[str] = []
    url: str | None = f"{gateway}/audit?limit=2"
    while url:
        page = (await client.get(url.removeprefix(gateway), headers=auditor)).json()
        seen += [e["entity_id"] for e in page["items"]]
        assert page["next"] is None or page["next"].startswith(f"{gateway}/audit?limit=2&cursor=")
        url = page["next"]
    assert seen == ["a", "b", "c"]


async def test_next_is_on_the_configured_public_base(settings: AppSettings) -> None:
    configured = settings.model_copy(update={"public_base_url": "https://hanke.kuopio.example/api/v1/app"})
    async with running(make_app(configured)) as client:
        admin = bearer(configured, "admin")
        for name in ("a", "b"):
            await client.post("/things", json={"name": name}, headers=admin)
        page = (await client.get("/things?limit=1", headers={**admin, "Host": "evil.example"})).json()
    assert page["next"] == "https://hanke.kuopio.example/api/v1/app/things?limit=1&offset=1"
