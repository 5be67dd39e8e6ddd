"""Production mode: only RS256 tokens from the identity provider, keys from its JWKS (fetched
asynchronously, cached); development tokens and ``alg: none`` are refused."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI

from gateway.main import create_app
from hanke_libs.auth import issue_dev_token
from hanke_libs.settings import AppSettings
from hanke_libs.testing import running
from tests.gateway.conftest import gateway_settings
from tests.gateway.servers import ServerThread

ISSUER = "https://login.kuopio.example/tenant/v2.0"
AUDIENCE = "api://hanke"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return {**jwk, "kid": kid, "use": "sig", "alg": "RS256"}


@pytest.fixture(scope="module")
def idp() -> Iterator[ServerThread]:
    app = FastAPI()

    @app.get("/keys")
    async def keys() -> dict[str, Any]:
        return {"keys": [_jwk(KEY, "k1")]}

    server = ServerThread(app).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def prod(idp: ServerThread, stubs: dict[str, ServerThread]) -> AsyncIterator[httpx.AsyncClient]:
    settings = gateway_settings(
        {n: s.url for n, s in stubs.items()},
        environment="production",
        oidc_issuer=ISSUER,
        oidc_jwks_url=f"{idp.url}/keys",
        jwt_audience=AUDIENCE,
    )
    async with running(create_app(settings)) as client:
        yield client


def _token(key: rsa.RSAPrivateKey = KEY, kid: str = "k1", **over: Any) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "person-1",
        "roles": ["admin"],
        "iat": now,
        "exp": now + 600,
    }
    claims.update(over)
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def test_identity_provider_token_passes_and_reaches_the_service(
    prod: httpx.AsyncClient, stubs: dict[str, ServerThread]
) -> None:
    token = _token()
    response = await prod.get("/api/v1/budget/echo/x", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json()["headers"]["authorization"] == f"Bearer {token}"


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: _token(exp=int(time.time()) - 120), id="expired"),
        pytest.param(lambda: _token(iss="https://evil.example"), id="wrong-issuer"),
        pytest.param(lambda: _token(aud="api://other"), id="wrong-audience"),
        pytest.param(lambda: _token(key=OTHER_KEY), id="bad-signature"),
        pytest.param(lambda: _token(key=OTHER_KEY, kid="unknown"), id="unknown-key"),
        pytest.param(
            lambda: (
                _b64({"alg": "none", "typ": "JWT", "kid": "k1"})
                + "."
                + _b64(jwt.decode(_token(), options={"verify_signature": False}))
                + "."
            ),
            id="alg-none",
        ),
        pytest.param(
            lambda: issue_dev_token(AppSettings(jwt_audience=AUDIENCE), roles=["admin"], subject="x"),
            id="development-token",
        ),
    ],
)
async def test_bad_tokens_are_401_in_production(make: Any, prod: httpx.AsyncClient) -> None:
    for path in ("/api/v1/pilots/echo/x", "/api/v1/views/projects/S21894/situation"):
        response = await prod.get(path, headers={"Authorization": f"Bearer {make()}"})
        assert response.status_code == 401, (path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
