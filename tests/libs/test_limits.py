"""Request limits of the app factory: body size (413) and JSON depth (400) as problem documents,
checked before any parser runs (a SCIM body nested 10 000 deep was a RecursionError 500)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI, File, Request, UploadFile

from hanke_libs.app import create_base_app
from hanke_libs.limits import json_depth_exceeds
from hanke_libs.settings import AppSettings
from hanke_libs.testing import running

LIMITS = {"max_json_bytes": 4096, "max_upload_bytes": 16384, "max_json_depth": 64}


def make_app(**limits: Any) -> FastAPI:
    settings = AppSettings(log_json=False, **{**LIMITS, **limits})
    app = create_base_app(
        name="limits-test", title="limits", version="0", description="", settings=settings, use_database=False
    )
    router = APIRouter()

    @router.post("/echo")
    async def echo(body: dict[str, Any]) -> dict[str, int]:
        return {"keys": len(body)}

    @router.post("/scim/v2/Users")
    async def scim(request: Request) -> dict[str, str]:
        body = await request.json()  # as the SCIM routes read it: parsed by json.loads
        return {"type": type(body).__name__}

    @router.post("/upload")
    async def upload(file: Annotated[UploadFile, File()]) -> dict[str, int]:
        return {"size": len(await file.read())}

    app.include_router(router)
    return app


@pytest.fixture
async def api() -> AsyncIterator[httpx.AsyncClient]:
    async with running(make_app()) as c:
        yield c


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def _problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["type"].endswith("/" + slug) and body["request_id"] == response.headers["x-request-id"]
    return body


async def test_scim_json_nested_10000_deep_is_400(api: httpx.AsyncClient) -> None:
    body = b'{"schemas": ' + _nested(10_000) + b"}"
    big = await api.post(
        "/scim/v2/Users", content=body, headers={"content-type": "application/scim+json"}
    )  # 20 KB: over the test's 4 KB JSON limit
    _problem(big, 413, "content-too-large")
    async with running(make_app(max_json_bytes=1024 * 1024)) as roomy:
        deep = await roomy.post(
            "/scim/v2/Users", content=body, headers={"content-type": "application/scim+json"}
        )
        problem = _problem(deep, 400, "json-too-deep")
        assert "64" in problem["detail"] and problem["limit_depth"] == 64
        for content_type in ("application/json", "text/plain", None):
            headers = {"content-type": content_type} if content_type else {}
            again = await roomy.post("/scim/v2/Users", content=_nested(5000), headers=headers)
            _problem(again, 400, "json-too-deep")


async def test_depth_at_the_limit_passes(api: httpx.AsyncClient) -> None:
    ok = await api.post("/scim/v2/Users", content=_nested(64), headers={"content-type": "application/json"})
    assert ok.status_code == 200 and ok.json() == {"type": "list"}
    deep = await api.post("/scim/v2/Users", content=_nested(65), headers={"content-type": "application/json"})
    _problem(deep, 400, "json-too-deep")


async def test_brackets_inside_strings_do_not_count(api: httpx.AsyncClient) -> None:
    tricky = {"a": "[" * 500, "b": '\\"[[[[' * 100, "c": "{" * 300}
    response = await api.post(
        "/echo", content=json.dumps(tricky), headers={"content-type": "application/json"}
    )
    assert response.status_code == 200 and response.json() == {"keys": 3}


async def test_json_over_the_size_limit_is_413(api: httpx.AsyncClient) -> None:
    body = json.dumps({"x": "a" * 5000})
    declared = await api.post("/echo", content=body, headers={"content-type": "application/json"})
    problem = _problem(declared, 413, "content-too-large")
    assert "4096 bytes" in problem["detail"] and problem["limit_bytes"] == 4096

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b" " * 1000
        yield b"{}"

    streamed = await api.post("/echo", content=chunks(), headers={"content-type": "application/json"})
    _problem(streamed, 413, "content-too-large")
    small = await api.post("/echo", json={"x": "a" * 3000})
    assert small.status_code == 200


async def test_uploads_have_their_own_larger_limit(api: httpx.AsyncClient) -> None:
    ok = await api.post("/upload", files={"file": ("a.csv", b"x" * 8000, "text/csv")})
    assert ok.status_code == 200 and ok.json() == {"size": 8000}
    too_big = await api.post("/upload", files={"file": ("a.csv", b"x" * 20_000, "text/csv")})
    assert "16384 bytes" in _problem(too_big, 413, "content-too-large")["detail"]

    boundary = "b0undary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()

    async def chunks() -> AsyncIterator[bytes]:
        yield head
        for _ in range(40):
            yield b"y" * 1000
        yield f"\r\n--{boundary}--\r\n".encode()

    streamed = await api.post(
        "/upload", content=chunks(), headers={"content-type": f"multipart/form-data; boundary={boundary}"}
    )
    _problem(streamed, 413, "content-too-large")


async def test_requests_without_a_body_pass_untouched(api: httpx.AsyncClient) -> None:
    assert (await api.get("/livez")).status_code == 200
    assert (
        await api.post("/echo", content=b"", headers={"content-type": "application/json"})
    ).status_code == 422


def test_depth_scan_unit() -> None:
    assert not json_depth_exceeds(b'{"a": [1, {"b": [2]}]}', 4)
    assert json_depth_exceeds(b'{"a": [1, {"b": [2]}]}', 3)
    assert not json_depth_exceeds(b'["]]]]", "\\"[[[[[[", {}]', 2)
    assert json_depth_exceeds(b"[" * 100, 64)  # malformed, still measured


def test_defaults_are_the_documented_ones() -> None:
    settings = AppSettings()
    assert (settings.max_json_bytes, settings.max_upload_bytes, settings.max_json_depth) == (
        2 * 1024 * 1024,
        50 * 1024 * 1024,
        64,
    )
