"""hanke_libs.peers: facts asked from another service as the caller, cached briefly."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from hanke_libs.auth import Principal
from hanke_libs.peers import PeerClient, PeerUnavailable


def _principal(token: str) -> Principal:
    return Principal(subject="p1", roles=frozenset({"champion"}), token=token)


def _client(handler, cache_seconds: float = 5.0) -> PeerClient:  # type: ignore[no-untyped-def]
    return PeerClient(
        "participants", "http://peer", cache_seconds=cache_seconds, transport=httpx.MockTransport(handler)
    )


async def test_forwards_the_callers_token_and_caches_per_caller() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["authorization"])
        return httpx.Response(200, json={"pilots": ["a"]})

    client = _client(handler)
    try:
        for _ in range(3):
            answer = await client.get("/me/enrolments", _principal("tok-1"))
            assert answer.ok and answer.body == {"pilots": ["a"]}
        await client.get("/me/enrolments", _principal("tok-2"))
    finally:
        await client.aclose()
    assert seen == ["Bearer tok-1", "Bearer tok-2"]


async def test_shared_answers_and_expiry() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(404, json={"status": 404})

    client = _client(handler, cache_seconds=0.05)
    try:
        await client.get("/pilots/x", _principal("a"), shared=True)
        answer = await client.get("/pilots/x", _principal("b"), shared=True)
        assert answer.status == 404 and calls == 1
        await asyncio.sleep(0.06)
        await client.get("/pilots/x", _principal("b"), shared=True)
        assert calls == 2
    finally:
        await client.aclose()


async def test_concurrent_lookups_share_one_request() -> None:
    calls = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.02)
        return httpx.Response(200, json={"n": calls})

    client = _client(handler)
    try:
        answers = await asyncio.gather(*(client.get("/x", _principal("t")) for _ in range(20)))
    finally:
        await client.aclose()
    assert calls == 1 and {a.body["n"] for a in answers} == {1}


@pytest.mark.parametrize("failure", ["down", "500", "not-json"])
async def test_failures_are_503_problems_and_not_cached(failure: str) -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if failure == "down":
            raise httpx.ConnectError("refused", request=request)
        if failure == "500":
            return httpx.Response(500, json={})
        return httpx.Response(200, content=b"<html>", headers={"content-type": "text/html"})

    client = _client(handler)
    try:
        for _ in range(2):
            with pytest.raises(PeerUnavailable) as caught:
                await client.get("/me/enrolments", _principal("t"))
            assert caught.value.status == 503 and "participants" in caught.value.detail
    finally:
        await client.aclose()
    assert calls == 2


async def test_calls_are_counted_by_outcome() -> None:
    from prometheus_client import REGISTRY

    from hanke_libs import metrics

    def count(outcome: str) -> float:
        labels = {"app": "peer-metrics-test", "upstream": "participants", "outcome": outcome}
        return REGISTRY.get_sample_value("hanke_upstream_requests_total", labels) or 0.0

    answers = iter([httpx.Response(200, json={}), httpx.Response(503), httpx.ConnectError("refused")])

    def handler(request: httpx.Request) -> httpx.Response:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    token = metrics.current_app.set("peer-metrics-test")
    client = _client(handler, cache_seconds=0)
    try:
        before = {o: count(o) for o in ("ok", "error", "unavailable")}
        await client.get("/a", _principal("t"))
        for _ in range(2):
            with pytest.raises(PeerUnavailable):
                await client.get("/a", _principal("t"))
    finally:
        await client.aclose()
        metrics.current_app.reset(token)
    assert {o: count(o) - before[o] for o in before} == {"ok": 1, "error": 1, "unavailable": 1}
