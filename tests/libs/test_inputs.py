"""Strict, bounded inputs through HTTP: dates, integers, control characters and explicit nulls are
422 problems naming the field, never a 500 and never silently coerced."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Path
from pydantic import BaseModel, Field

from hanke_libs.app import create_base_app
from hanke_libs.inputs import (
    BigId,
    Id,
    MultiLineText,
    Nullable,
    PatchModel,
    SingleLineText,
    StrictDate,
    StrictDateTime,
    check_multi_line,
    check_single_line,
)
from hanke_libs.settings import AppSettings
from hanke_libs.testing import running


class EntryIn(BaseModel):
    posted_on: StrictDate
    number: Id
    big: BigId | None = None
    at: StrictDateTime | None = None
    title: Annotated[SingleLineText, Field(min_length=1, max_length=50)]
    description: MultiLineText | None = Field(default=None, max_length=500)


class ProjectUpdate(PatchModel):
    name: Annotated[SingleLineText, Field(min_length=1, max_length=50)] | None = None
    cost_model: str | None = None
    period_end: Nullable[StrictDate] = None


def make_app() -> FastAPI:
    settings = AppSettings(log_json=False)
    app = create_base_app(
        name="inputs-test", title="inputs", version="0", description="", settings=settings, use_database=False
    )
    router = APIRouter()

    @router.post("/entries")
    async def create(data: EntryIn) -> dict[str, Any]:
        return data.model_dump(mode="json")

    @router.get("/claims/{number}")
    async def claim(number: Annotated[Id, Path()], as_of: StrictDate | None = None) -> dict[str, Any]:
        return {"number": number, "as_of": as_of.isoformat() if as_of else None}

    @router.patch("/projects/{code}")
    async def patch(code: str, data: ProjectUpdate) -> dict[str, Any]:
        return {"sent": data.sent(mode="json"), "period_end_sent": data.was_sent("period_end")}

    app.include_router(router)
    return app


@pytest.fixture
async def api() -> AsyncIterator[httpx.AsyncClient]:
    async with running(make_app()) as c:
        yield c


VALID = {"posted_on": "2021-03-31", "number": 7, "title": "Laskut"}


def _reasons(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return {e["name"]: e["reason"] for e in response.json()["errors"]}


async def test_valid_body_passes(api: httpx.AsyncClient) -> None:
    body = {**VALID, "big": 2**63 - 1, "at": "2021-03-31T12:00:00Z", "description": "rivi 1\r\nrivi 2\n\tx"}
    response = await api.post("/entries", json=body)
    assert response.status_code == 200
    assert response.json()["posted_on"] == "2021-03-31" and response.json()["big"] == 2**63 - 1


@pytest.mark.parametrize(
    "value",
    [
        0,
        1.5,
        True,
        "0",
        "",
        "2021-3-31",
        "20210331",
        "31.3.2021",
        "2021-W13-3",
        "2021-03-31T00:00",
        "२०२१-03-31",
    ],
)
async def test_dates_only_as_iso_strings(api: httpx.AsyncClient, value: Any) -> None:
    reasons = _reasons(await api.post("/entries", json={**VALID, "posted_on": value}))
    assert "YYYY-MM-DD" in reasons["body.posted_on"]


async def test_impossible_date_is_named(api: httpx.AsyncClient) -> None:
    reasons = _reasons(await api.post("/entries", json={**VALID, "posted_on": "2021-02-31"}))
    assert "2021-02-31 is not a date" in reasons["body.posted_on"]


@pytest.mark.parametrize("value", ["0", "1", "1.5", "true", "2021-3-1", "x"])
async def test_date_query_params_are_strict(api: httpx.AsyncClient, value: str) -> None:
    reasons = _reasons(await api.get("/claims/1", params={"as_of": value}))
    assert "YYYY-MM-DD" in reasons["query.as_of"]
    ok = await api.get("/claims/1", params={"as_of": "2020-06-30"})
    assert ok.status_code == 200 and ok.json()["as_of"] == "2020-06-30"


async def test_datetimes_need_an_offset(api: httpx.AsyncClient) -> None:
    for value in [0, "2021-03-31T12:00:00", "2021-03-31", True]:
        reasons = _reasons(await api.post("/entries", json={**VALID, "at": value}))
        assert "body.at" in reasons


@pytest.mark.parametrize("number", ["9223372036854775808", "2147483648", "0", "-1", "1.0", "1e3", "9" * 5000])
async def test_path_integers_are_bounded(api: httpx.AsyncClient, number: str) -> None:
    response = await api.get(f"/claims/{number}")
    assert "path.number" in _reasons(response)


@pytest.mark.parametrize("number", [9223372036854775808, 2**31, True, 1.5, 2.0, "x", None])
async def test_body_integers_are_bounded_and_whole(api: httpx.AsyncClient, number: Any) -> None:
    assert "body.number" in _reasons(await api.post("/entries", json={**VALID, "number": number}))
    big = await api.post("/entries", json={**VALID, "big": 2**63})
    assert "body.big" in _reasons(big)


@pytest.mark.parametrize(
    "bad", ["Kokeilu \u0001", "a\nb", "a\rb", "a\tb", "\x7f", "x\x85", "a\u2028b", "\x00"]
)
async def test_single_line_text_refuses_control_characters(api: httpx.AsyncClient, bad: str) -> None:
    reason = _reasons(await api.post("/entries", json={**VALID, "title": bad}))["body.title"]
    assert "control characters" in reason and "U+" in reason and "position" in reason


@pytest.mark.parametrize("bad", ["a\rb", "a\x0bb", "a\x1b[31m", "x\x9b", "ok\n\x00"])
async def test_multi_line_text_allows_only_newlines_and_tabs(api: httpx.AsyncClient, bad: str) -> None:
    reason = _reasons(await api.post("/entries", json={**VALID, "description": bad}))["body.description"]
    assert "control characters" in reason


async def test_lone_surrogate_is_refused(api: httpx.AsyncClient) -> None:
    raw = b'{"posted_on": "2021-03-31", "number": 1, "title": "a\\ud800b"}'
    response = await api.post("/entries", content=raw, headers={"content-type": "application/json"})
    assert "body.title" in _reasons(response)


def test_text_checks_are_plain_functions_too() -> None:
    assert check_single_line("Kokeilu 1 – äö") == "Kokeilu 1 – äö"
    assert check_multi_line("a\r\nb\tc\n") == "a\r\nb\tc\n"
    with pytest.raises(ValueError, match="U\\+0001"):
        check_single_line("Kokeilu \u0001")


async def test_patch_refuses_null_where_not_nullable(api: httpx.AsyncClient) -> None:
    for field in ["name", "cost_model"]:
        reasons = _reasons(await api.patch("/projects/S1", json={field: None}))
        assert reasons[f"body.{field}"] == f"{field} cannot be null; leave it out to keep it"
    cleared = await api.patch("/projects/S1", json={"period_end": None})
    assert cleared.status_code == 200
    assert cleared.json() == {"sent": {"period_end": None}, "period_end_sent": True}
    kept = await api.patch("/projects/S1", json={"name": "Uusi"})
    assert kept.json() == {"sent": {"name": "Uusi"}, "period_end_sent": False}
    assert "body.nmae" in _reasons(await api.patch("/projects/S1", json={"nmae": "typo"}))
    assert "body.period_end" in _reasons(await api.patch("/projects/S1", json={"period_end": 0}))


def test_openapi_shows_null_only_where_accepted() -> None:
    schemas = make_app().openapi()["components"]["schemas"]
    props = schemas["ProjectUpdate"]["properties"]
    assert props["name"]["type"] == "string" and "anyOf" not in props["name"]
    assert {"type": "null"} in props["period_end"]["anyOf"]
    entry = schemas["EntryIn"]["properties"]
    assert entry["posted_on"] == {"type": "string", "format": "date", "title": "Posted On"}
    assert entry["number"]["maximum"] == 2**31 - 1 and entry["number"]["minimum"] == 1


def test_plain_date_objects_still_accepted_in_python() -> None:
    assert EntryIn(posted_on=dt.date(2021, 1, 1), number=1, title="x").posted_on == dt.date(2021, 1, 1)
