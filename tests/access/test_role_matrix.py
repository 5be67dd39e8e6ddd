"""Every route of every app, called as every role and as the wrong owner, directly on each service
and through the gateway, on both backends: any answer the access tables (docs/access/*.md) do not
grant fails the test (OWASP API1/API5), and so does a read the table grants but the app refuses.

Checks per route and identity (the world is in tests/access/world.py):
- a role the row does not list gets no 2xx (no token: no 2xx unless the row is ``public``);
- a wrong owner (``pilot_owner@other``, ``champion@other``, ``finance@other``, another person) named
  by an ``own ...`` clause gets no 2xx for side A's object, and a list shows it none of side A's;
- ``steering`` never sees a person reference or person-written text in any 2xx answer;
- a listed role reading its own side gets a 2xx. Writes are sent only as callers who must be
  refused, so the test's own checks change nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import httpx

from hanke_libs.auth import Role
from tests.access import calls
from tests.access.matrix import Rule, load
from tests.access.world import IDENTITIES, World

SERVICES = ("budget", "pilots", "participants", "reports")
READ = frozenset({"GET", "HEAD"})
ROLE_NAMES = frozenset(r.value for r in Role)
PILOT_OBJECTS = ("{pilot_id}", "{indicator_id}", "{measurement_id}", "{post_id}", "{decision_id}")
PERMISSION = re.compile(r"needs the permission (\w+)")
HEALTH_AND_DOCS = frozenset(
    {"/livez", "/readyz", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}
)


@dataclass
class Findings:
    allowed: list[str] = field(default_factory=list)  # answers the table does not grant
    leaked: list[str] = field(default_factory=list)  # wrong owners or steering seeing what they may not
    refused: list[str] = field(default_factory=list)  # legitimate reads refused
    untried: list[str] = field(default_factory=list)  # rows the test could not build a request for

    def any(self) -> bool:
        return bool(self.allowed or self.leaked or self.refused or self.untried)

    def report(self) -> str:
        parts = []
        for name in ("allowed", "leaked", "refused", "untried"):
            items = sorted(set(getattr(self, name)))
            if items:
                parts.append(f"{name} ({len(items)}):\n  " + "\n  ".join(items[:100]))
        return "\n".join(parts)


def clauses(rule: Rule) -> dict[str, str]:
    """The object rule's ``role[, role]: rule`` clauses by role; a clause naming no role is ``*``."""
    found: dict[str, str] = {}
    for clause in rule.object_rule.split(";"):
        head, sep, text = clause.partition(":")
        roles = head.replace(",", " ").split()
        if sep and roles and set(roles) <= ROLE_NAMES:
            for role in roles:
                found[role] = text.strip().lower()
        else:
            found.setdefault("*", clause.strip().lower())
    return found


@dataclass
class Route:
    """One row of a table, reached one way (directly or through the gateway)."""

    app: str
    rule: Rule
    operation: dict[str, Any] | None
    client: httpx.AsyncClient
    prefix: str
    where: str

    def url(self, path: str) -> str:
        return path if path.startswith("/scim/") else self.prefix + path


async def _etag(route: Route, url: str, world: World) -> str | None:
    """The current ETag of what a write addresses (itself, or the resource it acts on)."""
    for candidate in (url, url.rsplit("/", 1)[0]):
        answer = await route.client.get(candidate, headers=world.headers("admin"))
        if answer.status_code == 200 and answer.headers.get("etag"):
            return answer.headers["etag"]
    return None


def _attempts(world: World, route: Route, identity: str | None, path: str) -> list[tuple[str, str, bool]]:
    """(url, who, must be refused) for ``identity`` on this row."""
    rule = route.rule
    role = IDENTITIES[identity][0] if identity else None
    granted = rule.allows(role)
    own = clauses(rule).get(role or "", clauses(rule).get("*", ""))
    if ("{person_id}" in rule.path or "{user_id}" in rule.path) and "own person" in own:
        if identity not in world.person:
            return []
        mine = calls.target(world, rule, identity, person=world.person[identity])
        other = calls.target(world, rule, identity, person=world.person["other"])
        assert mine and other
        return [
            (route.url(mine), f"{identity} (own person)", not granted),
            (route.url(other), f"{identity} (another person)", True),
        ]
    wrong_owner = bool(identity and identity.endswith("@other"))
    if "own implementer" in own:
        owned = "{entry_id}" in rule.path
    else:
        owned = "own pilot" in own and any(p in rule.path for p in PILOT_OBJECTS)
    return [(route.url(path), identity or "no token", not granted or (wrong_owner and owned))]


async def _check(world: World, findings: Findings, route: Route) -> None:
    rule = route.rule
    path = calls.target(world, rule, None)
    query, unknown = calls.required_query(route.operation)
    if path is None or unknown:
        findings.untried.append(
            f"{route.app} {rule.method} {rule.path}: no value for {unknown or 'a path part'}"
        )
        return
    body = calls.BODIES.get((rule.method, rule.path), {} if rule.method in ("POST", "PUT", "PATCH") else None)
    extra: dict[str, str] = {}
    if rule.method not in READ:
        etag = await _etag(route, route.url(path), world)
        if etag:
            extra["If-Match"] = etag
    for identity in [None, *IDENTITIES]:
        role = IDENTITIES[identity][0] if identity else None
        if rule.method not in READ and rule.allows(role):
            continue  # writes are sent only as callers who must be refused
        own = clauses(rule).get(role or "", clauses(rule).get("*", ""))
        needs = PERMISSION.search(rule.object_rule)
        permissions = [needs.group(1)] if needs else None
        for url, who, must_refuse in _attempts(world, route, identity, path):
            if permissions and identity and not must_refuse:  # refused without the permission
                without = await route.client.request(
                    rule.method, url, params=query, json=body, headers={**world.headers(identity), **extra}
                )
                if 200 <= without.status_code < 300:
                    findings.allowed.append(f"{route.app} {rule.method} {url} as {who} without {permissions}")
            headers = {**world.headers(identity, permissions), **extra}
            answer = await route.client.request(rule.method, url, params=query, json=body, headers=headers)
            label = f"{route.app}/{route.where} {rule.method} {url} as {who}"
            ok = 200 <= answer.status_code < 300
            if must_refuse and ok:
                findings.allowed.append(f"{label}: {answer.status_code}")
            elif not must_refuse and not ok and rule.method in READ and identity and "@" not in identity:
                findings.refused.append(f"{label}: {answer.status_code} {answer.text[:150]}")
            if not ok:
                continue
            text = calls.visible_text(answer)
            if identity and identity.endswith("@other") and ("own pilot" in own or "own implementer" in own):
                side_a = world.ids["voucher"] if "own implementer" in own else world.ids["pilot_id"]
                if side_a in text:
                    findings.leaked.append(f"{label}: shows side A's {side_a}")
            if role == "steering":
                seen = sorted(
                    s
                    for whose, strings in world.personal.items()
                    if whose != identity
                    for s in strings
                    if s in text
                )
                if seen:
                    findings.leaked.append(f"{label}: person data {seen[:3]}")


async def test_every_route_as_every_role_and_wrong_owner(world: World) -> None:
    findings = Findings()
    for app in (*SERVICES, "gateway"):
        if app == "gateway":
            spec = (await world.system.client.get("/openapi.json")).json()
            ways = [("gateway", world.system.client, "")]
        else:
            spec = (await world.system.direct[app].get("/openapi.json")).json()
            ways = [
                ("direct", world.system.direct[app], ""),
                ("gateway", world.system.client, calls.PREFIX[app]),
            ]
        for rule in load(app).values():
            if app != "gateway" and rule.path in HEALTH_AND_DOCS:
                continue  # each service's probes and docs; the gateway's own rows cover the public ones
            operation = spec.get("paths", {}).get(rule.path, {}).get(rule.method.lower())
            for where, client, prefix in ways:
                await _check(world, findings, Route(app, rule, operation, client, prefix, where))
    assert not findings.any(), findings.report()
