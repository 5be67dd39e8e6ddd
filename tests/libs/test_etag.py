"""One If-Match discipline: RFC 9110 parsing, 428/412/400 problems, and the version checked in the
UPDATE itself so that of two concurrent edits with the same If-Match exactly one wins."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Query, Response
from pydantic import BaseModel
from sqlmodel import col, select

from hanke_libs.app import create_base_app
from hanke_libs.audit import audit_router
from hanke_libs.auth import CurrentPrincipal
from hanke_libs.db import SessionDep
from hanke_libs.etag import (
    IF_MATCH_RESPONSES,
    IfMatch,
    IfMatchDep,
    content_etag,
    delete_versioned,
    parse_if_match,
    parse_version_etag,
    set_etag,
    update_versioned,
    version_etag,
)
from hanke_libs.problems import BadRequest, Conflict, NotFound, PreconditionFailed
from hanke_libs.settings import AppSettings
from hanke_libs.testing import bearer, running
from tests.libs.conftest import Document, audit

ROUNDS = 25


class DocumentIn(BaseModel):
    title: str


def make_app(settings: AppSettings) -> FastAPI:
    app = create_base_app(name="etag-test", title="etag", version="0", description="", settings=settings)
    router = APIRouter()

    async def load(session: SessionDep, doc_id: int) -> Document:
        doc = (await session.exec(select(Document).where(col(Document.id) == doc_id))).first()
        if doc is None:
            raise NotFound(f"No document {doc_id}")
        return doc

    @router.post("/docs", status_code=201)
    async def create(data: DocumentIn, session: SessionDep, response: Response) -> dict[str, object]:
        doc = Document(title=data.title)
        session.add(doc)
        await session.flush()
        set_etag(response, doc.version)
        return {"id": doc.id, "title": doc.title, "version": doc.version}

    @router.get("/docs/{doc_id}")
    async def read(doc_id: int, session: SessionDep, response: Response) -> dict[str, object]:
        doc = await load(session, doc_id)
        set_etag(response, doc.version)
        return {"id": doc.id, "title": doc.title, "status": doc.status, "version": doc.version}

    @router.patch("/docs/{doc_id}", responses=IF_MATCH_RESPONSES)
    async def patch(
        doc_id: int,
        data: DocumentIn,
        if_match: IfMatchDep,
        session: SessionDep,
        who: CurrentPrincipal,
        response: Response,
        early: bool = Query(False),
    ) -> dict[str, object]:
        doc = await load(session, doc_id)
        if early:
            if_match.check(doc.version, label=f"Document {doc_id}")
        await asyncio.sleep(0)  # let the other request reach the same point
        await update_versioned(
            session,
            doc,
            expected=if_match,
            values={"title": data.title},
            where=[col(Document.status) == "draft"],
            conflict=Conflict(f"Document {doc_id} is final; it cannot be changed.", slug="document-final"),
            label=f"Document {doc_id}",
        )
        await audit.record(
            session,
            actor=who,
            action="update",
            entity_type="document",
            entity_id=str(doc_id),
            changes={"title": data.title},
        )
        set_etag(response, doc.version)
        return {"id": doc.id, "title": doc.title, "version": doc.version}

    @router.post("/docs/{doc_id}/final", responses=IF_MATCH_RESPONSES)
    async def finalise(doc_id: int, if_match: IfMatchDep, session: SessionDep) -> dict[str, object]:
        row = await update_versioned(
            session, Document, doc_id, expected=if_match, values={"status": "final"}, label="Document"
        )
        return {"version": row["version"], "status": row["status"]}

    @router.delete("/docs/{doc_id}", status_code=204, responses=IF_MATCH_RESPONSES)
    async def remove(doc_id: int, if_match: IfMatchDep, session: SessionDep) -> None:
        await delete_versioned(session, Document, doc_id, expected=if_match, label=f"Document {doc_id}")

    app.include_router(router)
    app.include_router(audit_router(audit))
    return app


@pytest.fixture
async def api(settings: AppSettings) -> AsyncIterator[httpx.AsyncClient]:
    async with running(make_app(settings)) as c:
        c.headers.update(bearer(settings, "admin"))
        yield c


# --- parsing (RFC 9110 §13.1.1) ---


def test_version_etags_are_strong_and_parse_back() -> None:
    assert version_etag(3) == '"v3"' and parse_version_etag('"v3"') == 3
    for not_a_version in ['W/"v3"', '"3"', '"v"', '"v03"', '"v-1"', '"v99999999999"', "v3", '"v٣"']:
        assert parse_version_etag(not_a_version) is None
    assert content_etag({"b": 1, "a": [1, 2]}) == content_etag({"a": [1, 2], "b": 1})
    assert content_etag(b"x") != content_etag(b"y") and content_etag("x").startswith('"h')


def test_if_match_lists_star_and_weak_tags() -> None:
    listed = parse_if_match(' "v1" , ,W/"v2",   "abc"')
    assert [str(t) for t in listed.tags] == ['"v1"', 'W/"v2"', '"abc"']
    assert listed.versions == {1} and listed.matches(1) and not listed.matches(2)
    assert listed.matches('"abc"') and not listed.matches('W/"abc"')
    assert parse_if_match("*").any and parse_if_match("*").matches(99)
    assert not parse_if_match('W/"v5"').matches(5) and parse_if_match('W/"v5"').versions == frozenset()
    assert parse_if_match('"v2147483648"').versions == frozenset()  # beyond any INTEGER column


@pytest.mark.parametrize(
    "value", ["v1", '"v1', '"v1" "v2"', '*, "v1"', '"v 1"', "W/v1", "W/", ",", '"a"b', '"\x7f"', "\x01"]
)
def test_malformed_if_match_is_400(value: str) -> None:
    with pytest.raises(BadRequest) as caught:
        parse_if_match(value)
    assert caught.value.slug == "invalid-if-match" and "If-Match" in caught.value.detail


def test_check_names_the_current_etag() -> None:
    with pytest.raises(PreconditionFailed) as caught:
        IfMatch(any=False, tags=parse_if_match('"v1"').tags, raw='"v1"').check(4, label="Cost entry 9")
    assert caught.value.extra["current_etag"] == '"v4"'
    assert '"v4"' in caught.value.detail and "Cost entry 9" in caught.value.detail


# --- through HTTP ---


async def _new(api: httpx.AsyncClient, title: str = "first") -> tuple[int, str]:
    created = await api.post("/docs", json={"title": title})
    assert created.status_code == 201 and created.headers["etag"] == '"v1"'
    return created.json()["id"], created.headers["etag"]


async def test_missing_if_match_is_428_telling_to_get_first(api: httpx.AsyncClient) -> None:
    doc_id, _ = await _new(api)
    for headers in ({}, {"If-Match": "  "}):
        response = await api.patch(f"/docs/{doc_id}", json={"title": "x"}, headers=headers)
        assert response.status_code == 428
        body = response.json()
        assert body["type"].endswith("/if-match-required") and "GET" in body["detail"]
        assert response.headers["content-type"].startswith("application/problem+json")
    assert (await api.delete(f"/docs/{doc_id}")).status_code == 428
    assert (await api.get(f"/docs/{doc_id}")).json()["title"] == "first"


async def test_stale_weak_and_malformed(api: httpx.AsyncClient) -> None:
    doc_id, tag = await _new(api)
    first = await api.patch(f"/docs/{doc_id}", json={"title": "a"}, headers={"If-Match": tag})
    assert first.status_code == 200 and first.headers["etag"] == '"v2"' and first.json()["version"] == 2
    stale = await api.patch(f"/docs/{doc_id}", json={"title": "b"}, headers={"If-Match": tag})
    assert stale.status_code == 412
    assert stale.json()["current_etag"] == '"v2"' and '"v2"' in stale.json()["detail"]
    weak = await api.patch(f"/docs/{doc_id}", json={"title": "c"}, headers={"If-Match": 'W/"v2"'})
    assert weak.status_code == 412
    bad = await api.patch(f"/docs/{doc_id}", json={"title": "d"}, headers={"If-Match": "v2"})
    assert bad.status_code == 400 and bad.json()["type"].endswith("/invalid-if-match")
    huge = await api.patch(
        f"/docs/{doc_id}", json={"title": "e"}, headers={"If-Match": '"v9223372036854775808"'}
    )
    assert huge.status_code == 412
    assert (await api.get(f"/docs/{doc_id}")).json()["title"] == "a"
    listed = await api.patch(f"/docs/{doc_id}", json={"title": "f"}, headers={"If-Match": '"v7", "v2"'})
    assert listed.status_code == 200 and listed.headers["etag"] == '"v3"'
    two_lines = await api.patch(
        f"/docs/{doc_id}", json={"title": "g"}, headers=[("If-Match", '"v1"'), ("If-Match", '"v3"')]
    )
    assert two_lines.status_code == 200
    star = await api.patch(f"/docs/{doc_id}", json={"title": "h"}, headers={"If-Match": "*"})
    assert star.status_code == 200 and star.json()["version"] == 5


async def test_early_check_answers_412_before_writing(api: httpx.AsyncClient, settings: AppSettings) -> None:
    doc_id, tag = await _new(api)
    await api.patch(f"/docs/{doc_id}", json={"title": "a"}, headers={"If-Match": tag})
    stale = await api.patch(f"/docs/{doc_id}?early=true", json={"title": "b"}, headers={"If-Match": tag})
    assert stale.status_code == 412 and stale.json()["current_etag"] == '"v2"'
    trail = (await api.get("/audit", headers=bearer(settings, "auditor"))).json()["items"]
    assert [e["changes"]["title"] for e in trail] == ["a"]


async def test_condition_in_the_same_update_and_delete(api: httpx.AsyncClient) -> None:
    doc_id, tag = await _new(api)
    final = await api.post(f"/docs/{doc_id}/final", headers={"If-Match": tag})
    assert final.status_code == 200 and final.json() == {"version": 2, "status": "final"}
    refused = await api.patch(f"/docs/{doc_id}", json={"title": "x"}, headers={"If-Match": '"v2"'})
    assert refused.status_code == 409 and refused.json()["type"].endswith("/document-final")
    stale_delete = await api.delete(f"/docs/{doc_id}", headers={"If-Match": tag})
    assert stale_delete.status_code == 412 and stale_delete.json()["current_etag"] == '"v2"'
    assert (await api.delete(f"/docs/{doc_id}", headers={"If-Match": '"v2"'})).status_code == 204
    gone = await api.patch(f"/docs/{doc_id}", json={"title": "x"}, headers={"If-Match": '"v2"'})
    assert gone.status_code == 404
    assert (await api.delete(f"/docs/{doc_id}", headers={"If-Match": "*"})).status_code == 404


async def test_concurrent_patches_with_one_if_match_exactly_one_wins(
    api: httpx.AsyncClient, settings: AppSettings
) -> None:
    for round_no in range(ROUNDS):
        doc_id, tag = await _new(api, f"r{round_no}")
        early = "?early=true" if round_no % 2 else ""
        answers = await asyncio.gather(
            api.patch(f"/docs/{doc_id}{early}", json={"title": f"A{round_no}"}, headers={"If-Match": tag}),
            api.patch(f"/docs/{doc_id}{early}", json={"title": f"B{round_no}"}, headers={"If-Match": tag}),
        )
        assert sorted(a.status_code for a in answers) == [200, 412], [a.text for a in answers]
        winner = next(a for a in answers if a.status_code == 200)
        loser = next(a for a in answers if a.status_code == 412)
        assert loser.json()["current_etag"] == '"v2"'
        stored = (await api.get(f"/docs/{doc_id}")).json()
        assert stored["title"] == winner.json()["title"] and stored["version"] == 2
    trail = (await api.get("/audit?limit=200", headers=bearer(settings, "auditor"))).json()["items"]
    assert len(trail) == ROUNDS  # one audited update per round, none from the loser


async def test_concurrent_delete_and_patch_one_wins(api: httpx.AsyncClient) -> None:
    for _ in range(ROUNDS):
        doc_id, tag = await _new(api)
        patched, deleted = await asyncio.gather(
            api.patch(f"/docs/{doc_id}", json={"title": "p"}, headers={"If-Match": tag}),
            api.delete(f"/docs/{doc_id}", headers={"If-Match": tag}),
        )
        codes = (patched.status_code, deleted.status_code)
        assert codes in ((200, 412), (404, 204)), codes
        after = await api.get(f"/docs/{doc_id}")
        assert after.status_code == (200 if codes[0] == 200 else 404)


def test_openapi_documents_the_header_and_answers(settings: AppSettings) -> None:
    operation = make_app(settings).openapi()["paths"]["/docs/{doc_id}"]["patch"]
    assert any(p["name"] == "If-Match" and p["in"] == "header" for p in operation["parameters"])
    assert {"412", "428"} <= set(operation["responses"])
