"""Bearer token validation: development HS256, OIDC RS256 with JWKS, and every way a token is wrong."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import APIRouter

from hanke_libs.app import create_base_app
from hanke_libs.auth import CurrentPrincipal, JwksCache, TokenVerifier, issue_dev_token
from hanke_libs.problems import Unauthorized
from hanke_libs.settings import DEV_ISSUER, AppSettings
from hanke_libs.testing import running

ISSUER = "https://login.kuopio.example/tenant/v2.0"


def _rsa_key() -> Any:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _jwk(private_key: Any, kid: str) -> dict[str, Any]:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private_key.public_key()))
    jwk.update(kid=kid, use="sig", alg="RS256")
    return jwk


class FakeIdp:
    """A JWKS endpoint served through httpx.MockTransport, counting fetches."""

    def __init__(self) -> None:
        self.keys: dict[str, Any] = {"k1": _rsa_key()}
        self.fetches = 0

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.fetches += 1
        return httpx.Response(200, json={"keys": [_jwk(k, kid) for kid, k in self.keys.items()]})

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self.handler))

    def token(self, kid: str = "k1", **overrides: Any) -> str:
        now = int(time.time())
        claims = {"iss": ISSUER, "aud": "hanke", "sub": "p-1", "roles": ["finance"], "exp": now + 600}
        claims.update(overrides)
        return jwt.encode(claims, self.keys[kid], algorithm="RS256", headers={"kid": kid})


@pytest.fixture
def idp() -> FakeIdp:
    return FakeIdp()


@pytest.fixture
def prod_verifier(idp: FakeIdp) -> TokenVerifier:
    settings = AppSettings(
        environment="production",
        oidc_issuer=ISSUER,
        oidc_jwks_url="https://login.kuopio.example/keys",
        database_url="postgresql://app@db/app",
    )
    cache = JwksCache(settings.oidc_jwks_url, client_factory=idp.client, min_refresh_interval=0)
    return TokenVerifier(settings, jwks=cache)


async def test_oidc_token_is_accepted_and_keys_are_cached(idp: FakeIdp, prod_verifier: TokenVerifier) -> None:
    principal = await prod_verifier.verify(idp.token(implementer="0171450-7"))
    assert principal.subject == "p-1" and principal.roles == {"finance"}
    assert principal.implementer == "0171450-7"
    await prod_verifier.verify(idp.token())
    assert idp.fetches == 1


async def test_unknown_key_id_refreshes_the_keys(idp: FakeIdp, prod_verifier: TokenVerifier) -> None:
    await prod_verifier.verify(idp.token())
    idp.keys["k2"] = _rsa_key()  # the provider rotates its keys
    principal = await prod_verifier.verify(idp.token(kid="k2"))
    assert principal.subject == "p-1" and idp.fetches == 2


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"exp": int(time.time()) - 3600}, "expired"),
        ({"iss": "https://evil.example"}, "issuer"),
        ({"aud": "another-api"}, "audience"),
    ],
)
async def test_wrong_claims_are_401(
    idp: FakeIdp, prod_verifier: TokenVerifier, overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(Unauthorized, match=message):
        await prod_verifier.verify(idp.token(**overrides))


async def test_bad_signature_is_401(idp: FakeIdp, prod_verifier: TokenVerifier) -> None:
    good = idp.token()
    other = jwt.encode(
        jwt.decode(good, options={"verify_signature": False}), _rsa_key(), "RS256", {"kid": "k1"}
    )
    with pytest.raises(Unauthorized, match="signature"):
        await prod_verifier.verify(other)


async def test_alg_none_is_401(prod_verifier: TokenVerifier) -> None:
    claims = {"iss": ISSUER, "aud": "hanke", "sub": "x", "exp": int(time.time()) + 60, "roles": ["admin"]}
    unsigned = jwt.encode(claims, None, algorithm="none")
    with pytest.raises(Unauthorized, match="not accepted"):
        await prod_verifier.verify(unsigned)
    dev = TokenVerifier(AppSettings())
    with pytest.raises(Unauthorized):
        await dev.verify(unsigned)


async def test_development_tokens_work_only_in_development(prod_verifier: TokenVerifier) -> None:
    dev_settings = AppSettings()
    token = issue_dev_token(dev_settings, roles=["admin"], subject="dev")
    assert (await TokenVerifier(dev_settings).verify(token)).roles == {"admin"}
    with pytest.raises(Unauthorized):
        await prod_verifier.verify(token)


async def test_dev_token_with_other_secret_is_401() -> None:
    forged = jwt.encode(
        {"iss": DEV_ISSUER, "aud": "hanke", "sub": "x", "exp": int(time.time()) + 60},
        "a-guessed-secret-that-is-long-enough-to-sign",
        algorithm="HS256",
    )
    with pytest.raises(Unauthorized, match="signature"):
        await TokenVerifier(AppSettings()).verify(forged)


async def test_unknown_roles_are_dropped() -> None:
    settings = AppSettings()
    token = issue_dev_token(settings, roles=["admin", "superuser"], subject="x")
    assert (await TokenVerifier(settings).verify(token)).roles == {"admin"}


async def test_garbage_token_is_401() -> None:
    with pytest.raises(Unauthorized, match="not a valid JWT"):
        await TokenVerifier(AppSettings()).verify("not-a-token")


# --- claim types: one type per claim, a wrong one is a 401 naming it ---


def _dev_token(settings: AppSettings, **claims: Any) -> str:
    now = int(time.time())
    body = {
        "iss": DEV_ISSUER,
        "aud": settings.jwt_audience,
        "sub": "u-1",
        "roles": ["admin"],
        "exp": now + 600,
    }
    body.update(claims)
    body = {k: v for k, v in body.items() if v is not _ABSENT}
    return jwt.encode(body, settings.jwt_dev_secret, algorithm="HS256")


_ABSENT = object()


def _claims_app(settings: AppSettings) -> Any:
    app = create_base_app(
        name="auth-test", title="auth", version="0", description="", settings=settings, use_database=False
    )
    router = APIRouter()

    @router.get("/whoami")
    async def whoami(who: CurrentPrincipal) -> dict[str, Any]:
        return {
            "subject": who.subject,
            "roles": sorted(who.roles),
            "implementer": who.implementer,
            "name": who.name,
            "person_id": who.person_id,
            "permissions": sorted(who.permissions),
        }

    app.include_router(router)
    return app


@pytest.mark.parametrize(
    ("claim", "value"),
    [
        ("roles", 5),
        ("roles", {"admin": True}),
        ("roles", ["admin", 1]),
        ("roles", [["admin"]]),
        ("roles", True),
        ("implementer", ["0171450-7"]),
        ("implementer", 171450),
        ("implementer", {"id": "x"}),
        ("implementer", ""),
        ("name", 5),
        ("person_id", ["p"]),
        ("person_id", 12),
        ("permissions", {"esr_sensitive": True}),
        ("permissions", [1]),
        ("sub", 42),
        ("sub", ["u"]),
        ("sub", "bad\u0001subject"),
        ("sub", "x" * 300),
    ],
)
async def test_wrong_claim_type_is_401_naming_the_claim(claim: str, value: Any) -> None:
    settings = AppSettings(log_json=False)
    async with running(_claims_app(settings)) as client:
        token = _dev_token(settings, **{claim: value})
        response = await client.get("/whoami", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401, response.text
    body = response.json()
    assert body["type"].endswith("/invalid-token-claim") and body["claim"] == claim
    assert repr(claim) in body["detail"]
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_claims_of_the_right_types_are_read() -> None:
    settings = AppSettings(log_json=False)
    cases: list[tuple[dict[str, Any], dict[str, Any]]] = [
        ({"roles": "finance auditor"}, {"roles": ["auditor", "finance"]}),
        ({"roles": ["finance", "superuser"]}, {"roles": ["finance"]}),
        ({"roles": _ABSENT}, {"roles": []}),
        ({"roles": None, "implementer": None}, {"roles": [], "implementer": None}),
        ({"implementer": "0171450-7", "name": "Aino"}, {"implementer": "0171450-7", "name": "Aino"}),
        ({"person_id": "p-9"}, {"person_id": "p-9"}),
        ({}, {"person_id": "u-1"}),
        ({"permissions": ["esr_sensitive"]}, {"permissions": ["esr_sensitive"]}),
        ({"permissions": "esr_sensitive other"}, {"permissions": ["esr_sensitive", "other"]}),
    ]
    async with running(_claims_app(settings)) as client:
        for claims, expected in cases:
            token = _dev_token(settings, **claims)
            response = await client.get("/whoami", headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 200, (claims, response.text)
            body = response.json()
            assert {k: body[k] for k in expected} == expected, claims


async def test_oidc_token_with_roles_object_is_401(idp: FakeIdp, prod_verifier: TokenVerifier) -> None:
    with pytest.raises(Unauthorized, match="'roles' claim must be a list of strings") as caught:
        await prod_verifier.verify(idp.token(roles={"admin": True}))
    assert caught.value.extra == {"claim": "roles"}
