"""Bearer JWT authentication and the product's roles.

Production: RS256/ES256 tokens from the city's OIDC identity provider; keys come from its JWKS,
fetched with an async client (never blocking the event loop, pyjwt#1120), cached, and fetched
again when a token names an unknown key id. Development mode: HS256 tokens signed with the
development secret (``hanke token``) are accepted as well. Issuer, audience and expiry are always
checked; ``alg: none`` is never accepted.

Claims: ``sub`` (the person or client), ``roles`` (list of role names), ``implementer`` (the
organisation a ``finance`` user books for), ``name`` (optional display name), ``person_id`` (the
caller's person id when it is not ``sub``), ``permissions`` (fine-grained grants such as
``esr_sensitive``). Each has one type (strings; lists of strings, or one space-separated string, for
``roles`` and ``permissions``); a claim of another type is a 401 ``invalid-token-claim`` naming it,
never coerced and never a 500.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any

import httpx
import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from hanke_libs.problems import Forbidden, Unauthorized
from hanke_libs.settings import DEV_ISSUER, AppSettings


class Role(StrEnum):
    """The roles of the product."""

    admin = "admin"
    project_manager = "project_manager"
    finance = "finance"  # scoped to one implementer organisation
    pilot_owner = "pilot_owner"
    champion = "champion"
    steering = "steering"  # aggregates only, no personal data
    auditor = "auditor"  # read-only, including the audit trail
    hr_sync = "hr_sync"  # provisioning only


@dataclass(frozen=True)
class Principal:
    """The authenticated caller."""

    subject: str
    roles: frozenset[str]
    implementer: str | None = None
    name: str | None = None
    # Fine-grained grants beyond the role (the ``permissions`` claim), e.g. ``esr_sensitive``.
    permissions: frozenset[str] = frozenset()
    claims: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    # The bearer token the caller sent: forwarded when a service asks another for a fact a rule
    # needs (hanke_libs.peers), so the other service applies its own rules to the same caller.
    token: str = field(default="", compare=False, repr=False)

    def has(self, *roles: str | Role) -> bool:
        return any(str(r) in self.roles for r in roles)

    @property
    def person_id(self) -> str:
        """The caller's person id across services: the ``person_id`` claim, else the subject."""
        person_id = self.claims.get("person_id")
        return person_id if isinstance(person_id, str) and person_id else self.subject

    @property
    def actor(self) -> str:
        """How the caller is named in the audit trail."""
        return self.subject


ASYMMETRIC_ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"]


class JwksCache:
    """The identity provider's signing keys, fetched asynchronously and cached."""

    def __init__(
        self,
        jwks_url: str,
        *,
        ttl_seconds: int = 600,
        client_factory: Callable[[], httpx.AsyncClient] | None = None,
        min_refresh_interval: float = 10.0,
    ) -> None:
        self.jwks_url = jwks_url
        self.ttl = ttl_seconds
        self.min_refresh_interval = min_refresh_interval
        self._client_factory = client_factory or (lambda: httpx.AsyncClient(timeout=httpx.Timeout(5.0)))
        self._keys: dict[str, Any] = {}
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()

    async def _refresh(self) -> None:
        async with self._client_factory() as client:
            response = await client.get(self.jwks_url)
            response.raise_for_status()
            data = response.json()
        keys: dict[str, Any] = {}
        for jwk in data.get("keys", []):
            if jwk.get("use", "sig") != "sig":
                continue
            kid = jwk.get("kid", "")
            keys[kid] = jwt.PyJWK.from_json(json.dumps(jwk)).key
        self._keys = keys
        self._fetched_at = time.monotonic()

    async def get_key(self, kid: str) -> Any:
        """The key for ``kid``; refreshes when stale or when ``kid`` is unknown (rate limited)."""
        now = time.monotonic()
        stale = now - self._fetched_at > self.ttl
        if kid in self._keys and not stale:
            return self._keys[kid]
        async with self._lock:
            now = time.monotonic()
            if kid in self._keys and now - self._fetched_at <= self.ttl:
                return self._keys[kid]
            if stale or now - self._fetched_at >= self.min_refresh_interval:
                try:
                    await self._refresh()
                except (httpx.HTTPError, ValueError) as exc:
                    if kid in self._keys:
                        return self._keys[kid]  # keep serving with the cached key
                    raise Unauthorized("The identity provider's signing keys could not be fetched.") from exc
        if kid in self._keys:
            return self._keys[kid]
        if "" in self._keys and len(self._keys) == 1:
            return self._keys[""]
        raise Unauthorized("The token is signed with an unknown key.")


class TokenVerifier:
    """Validates bearer tokens according to the app's settings."""

    CACHE_SIZE = 10_000

    def __init__(self, settings: AppSettings, jwks: JwksCache | None = None) -> None:
        self.settings = settings
        self.audience = settings.jwt_audience
        self.issuer = settings.oidc_issuer
        self.dev_mode = not settings.is_production
        self.jwks = jwks
        self._cache: dict[str, tuple[Principal, float]] = {}
        if self.jwks is None and settings.oidc_jwks_url:
            self.jwks = JwksCache(settings.oidc_jwks_url, ttl_seconds=settings.jwks_cache_seconds)

    async def verify(self, token: str) -> Principal:
        """The principal of a valid token; 401 otherwise.

        A token that verified once is remembered (by its exact text) until it expires, so a client
        sending the same token again costs a dictionary look-up instead of a signature check.
        """
        cached = self._cache.get(token)
        if cached is not None:
            principal, expires = cached
            if time.time() < expires:
                return principal
            del self._cache[token]
        principal = dataclasses.replace(await self._verify(token), token=token)
        if len(self._cache) >= self.CACHE_SIZE:
            self._cache.pop(next(iter(self._cache)))
        self._cache[token] = (principal, float(principal.claims.get("exp", 0)))
        return principal

    async def _verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthorized("The bearer token is not a valid JWT.") from exc
        alg = header.get("alg")
        options = {"require": ["exp", "iss", "aud", "sub"]}
        try:
            if alg == "HS256" and self.dev_mode:
                claims = jwt.decode(
                    token,
                    self.settings.jwt_dev_secret,
                    algorithms=["HS256"],
                    audience=self.audience,
                    issuer=DEV_ISSUER,
                    options=options,  # type: ignore[arg-type]
                    leeway=30,
                )
            elif alg in ASYMMETRIC_ALGORITHMS and self.jwks is not None and self.issuer:
                key = await self.jwks.get_key(str(header.get("kid", "")))
                claims = jwt.decode(
                    token,
                    key,
                    algorithms=[alg],
                    audience=self.audience,
                    issuer=self.issuer,
                    options=options,  # type: ignore[arg-type]
                    leeway=30,
                )
            else:
                raise Unauthorized(f"Tokens signed with {alg!r} are not accepted here.")
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("The bearer token has expired.") from exc
        except jwt.InvalidAudienceError as exc:
            raise Unauthorized("The bearer token is not meant for this API (wrong audience).") from exc
        except jwt.InvalidIssuerError as exc:
            raise Unauthorized("The bearer token comes from an unknown issuer.") from exc
        except jwt.InvalidSignatureError as exc:
            raise Unauthorized("The bearer token's signature is not valid.") from exc
        except jwt.exceptions.InvalidSubjectError as exc:
            raise _bad_claim("sub", "a non-empty string", _OTHER) from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"The bearer token is not valid: {exc}.") from exc
        return principal_from_claims(claims)


MAX_CLAIM_LENGTH = 256
MAX_LIST_CLAIM_ITEMS = 100


_OTHER = object()


def _bad_claim(name: str, expected: str, value: Any) -> Unauthorized:
    return Unauthorized(
        f"The bearer token's {name!r} claim must be {expected}, not {_json_type(value)}; "
        "ask the identity provider's administrator to fix the token.",
        slug="invalid-token-claim",
        claim=name,
    )


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "this text"
    if isinstance(value, list):
        return "a list holding other things"
    if isinstance(value, dict):
        return "an object"
    return "null" if value is None else "another type of value"


def _text_claim(claims: dict[str, Any], name: str, *, required: bool = False) -> str | None:
    value = claims.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value or len(value) > MAX_CLAIM_LENGTH or _has_control(value):
        raise _bad_claim(
            name, f"a non-empty string of at most {MAX_CLAIM_LENGTH} printable characters", value
        )
    return value


def _list_claim(claims: dict[str, Any], name: str) -> frozenset[str]:
    """A list of strings, or one space-separated string (OAuth ``scope`` style); absent or null → empty."""
    value = claims.get(name)
    if value is None:
        return frozenset()
    if isinstance(value, str):
        value = value.split()
    expected = "a list of strings (or one space-separated string)"
    if not isinstance(value, list) or len(value) > MAX_LIST_CLAIM_ITEMS:
        raise _bad_claim(name, expected, value)
    for item in value:
        if not isinstance(item, str) or len(item) > MAX_CLAIM_LENGTH or _has_control(item):
            raise _bad_claim(name, expected, value)
    return frozenset(value)


def _has_control(text: str) -> bool:
    return any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in text)


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    """The principal of verified claims; 401 naming the claim when one has the wrong type.

    ``sub`` must be a string; ``implementer``, ``name`` and ``person_id`` strings when present;
    ``roles`` and ``permissions`` lists of strings (or one space-separated string). Nothing is
    coerced: ``"roles": 5`` or ``{"admin": true}`` is refused, not read as role names. Role names
    the product does not know are dropped.
    """
    subject = _text_claim(claims, "sub", required=True)
    assert subject is not None
    implementer = _text_claim(claims, "implementer")
    name = _text_claim(claims, "name")
    _text_claim(claims, "person_id")
    roles = _list_claim(claims, "roles")
    permissions = _list_claim(claims, "permissions")
    known = {r.value for r in Role}
    return Principal(
        subject=subject,
        roles=frozenset(r for r in roles if r in known),
        implementer=implementer,
        name=name,
        permissions=permissions,
        claims=claims,
    )


def issue_dev_token(
    settings: AppSettings,
    *,
    roles: list[str],
    subject: str,
    implementer: str | None = None,
    name: str | None = None,
    lifetime_seconds: int = 8 * 3600,
    extra: dict[str, Any] | None = None,
) -> str:
    """A development token (HS256, development secret). Refused in production mode."""
    if settings.is_production:
        raise RuntimeError("Development tokens are not available in production mode.")
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": DEV_ISSUER,
        "aud": settings.jwt_audience,
        "sub": subject,
        "roles": roles,
        "iat": now,
        "exp": now + lifetime_seconds,
    }
    if implementer:
        claims["implementer"] = implementer
    if name:
        claims["name"] = name
    if extra:
        claims.update(extra)
    return jwt.encode(claims, settings.jwt_dev_secret, algorithm="HS256")


bearer_scheme = HTTPBearer(auto_error=False, description="A JWT from the city's identity provider")


def get_verifier(request: Request) -> TokenVerifier:
    verifier: TokenVerifier = request.app.state.verifier
    return verifier


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Principal:
    """The authenticated caller; 401 without a valid bearer token."""
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise Unauthorized("A bearer token is required: send 'Authorization: Bearer <token>'.")
    principal = await get_verifier(request).verify(credentials.credentials)
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


async def request_principal(request: Request) -> Principal:
    """:func:`current_principal` for a lean handler (:mod:`hanke_libs.leanroute`): the same bearer
    parsing and verification, called directly instead of through FastAPI's dependency solving."""
    return await current_principal(request, await bearer_scheme(request))


def require_roles(*roles: Role | str) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A dependency that lets through only callers holding one of ``roles`` (403 otherwise)."""
    wanted = tuple(str(r) for r in roles)

    async def dependency(principal: CurrentPrincipal) -> Principal:
        if not principal.has(*wanted):
            raise Forbidden(
                "This needs one of the roles: " + ", ".join(wanted) + ".",
                required_roles=list(wanted),
            )
        return principal

    return dependency
