"""The gateway checks every token itself before anything reaches a service."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import jwt
import pytest

from gateway.config import Settings
from hanke_libs.settings import DEV_ISSUER
from tests.gateway.servers import ServerThread


def _claims(settings: Settings, **over: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": DEV_ISSUER,
        "aud": settings.jwt_audience,
        "sub": "person-1",
        "roles": ["admin"],
        "iat": now,
        "exp": now + 600,
    }
    claims.update(over)
    return claims


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


BAD_TOKENS: dict[str, Callable[[Settings], str]] = {
    "expired": lambda s: jwt.encode(
        _claims(s, exp=int(time.time()) - 120), s.jwt_dev_secret, algorithm="HS256"
    ),
    "wrong issuer": lambda s: jwt.encode(
        _claims(s, iss="https://evil.example"), s.jwt_dev_secret, algorithm="HS256"
    ),
    "wrong audience": lambda s: jwt.encode(
        _claims(s, aud="another-api"), s.jwt_dev_secret, algorithm="HS256"
    ),
    "bad signature": lambda s: jwt.encode(_claims(s), "not-the-secret-" * 3, algorithm="HS256"),
    "alg none": lambda s: _b64({"alg": "none", "typ": "JWT"}) + "." + _b64(_claims(s)) + ".",
    "garbage": lambda s: "not.a.jwt",
}
PATHS = [
    "/api/v1/budget/echo/x",
    "/api/v1/views/projects/S21894/situation",
    "/api/v1/views/me",
]


@pytest.mark.parametrize("kind", list(BAD_TOKENS))
async def test_bad_tokens_get_401_and_never_reach_a_service(
    kind: str, client: httpx.AsyncClient, settings: Settings, stubs: dict[str, ServerThread]
) -> None:
    token = BAD_TOKENS[kind](settings)
    for path in PATHS:
        response = await client.get(path, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, (kind, path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert response.json()["type"].endswith("/unauthorized")
    scim = await client.get("/scim/v2/Users", headers={"Authorization": f"Bearer {token}"})
    assert scim.status_code == 401 and scim.headers["content-type"] == "application/scim+json"
    assert scim.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert scim.json()["status"] == "401"
    assert all(server.app.state.calls == [] for server in stubs.values())


@pytest.mark.parametrize("header", ["", "Basic dXNlcjpwdw==", "Bearer", "Bearer "])
async def test_missing_or_malformed_authorization_is_401(header: str, client: httpx.AsyncClient) -> None:
    headers = {"Authorization": header} if header else {}
    response = await client.get("/api/v1/pilots/pilots", headers=headers)
    assert response.status_code == 401
    assert response.json()["status"] == 401


async def test_valid_token_passes(client: httpx.AsyncClient, settings: Settings) -> None:
    token = jwt.encode(_claims(settings), settings.jwt_dev_secret, algorithm="HS256")
    response = await client.get("/api/v1/budget/echo/x", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
