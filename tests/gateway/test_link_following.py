"""Every link a caller of the gateway is handed resolves through the gateway (issue 13.4).

On the seeded system (plus the access matrix's world of people, champions, costs, reports) behind
the real gateway, configured with a public base URL and called with a foreign Host header: a bounded
breadth-first crawl (at most 400 links, a few of each shape) as admin and as project manager starts
from every GET under /api/v1/ the role may call (its path filled with the world's objects; HTML
documents and ``limit=1`` pages too, so documents' and pages' ``next`` links are followed), and as
the HR sync client from the SCIM lists. Every link in every JSON body or HTML document and in
``Location``/``Content-Location``/``Link`` headers must be on the gateway's public base
(path-absolute, or on the configured URL; never a service's own address nor the Host header) and
answer 200.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from hanke_libs.testing import running
from tests.access import calls
from tests.access.matrix import load
from tests.access.world import PROJECT, World, build
from tests.conftest import service_database
from tests.gateway.linkcrawl import Crawl
from tests.system import System, running_system

SERVICES = ("budget", "pilots", "participants", "reports")
links_budget_db, links_pilots_db, links_participants_db, links_reports_db = map(service_database, SERVICES)
PUBLIC = "https://idk.kuopio.example"
FOREIGN_HOST = {"Host": "evil.example"}


@pytest.fixture
async def system(request: pytest.FixtureRequest, backend: str) -> AsyncIterator[System]:
    # ``backend`` parametrises the test over the backends; each service's database is read by name.
    databases = {name: request.getfixturevalue(f"links_{name}_db") for name in SERVICES}
    async with running_system(
        databases,
        gateway_overrides={"public_base_url": PUBLIC, "upstream_timeout_seconds": 30.0},
        service_overrides={"reports": {"gateway_base_url": PUBLIC}},
    ) as system:
        yield system


async def crawl(world: World, role: str, start: list[str]) -> Crawl:
    crawler = Crawl(world.system.client, {**world.headers(role, ["esr_sensitive"]), **FOREIGN_HOST}, PUBLIC)
    await crawler.run(start)
    return crawler


def starts(world: World, openapi: dict[str, Any], role: str) -> list[str]:
    """Every GET of the merged OpenAPI under /api/v1/ that ``role`` may call (docs/access), with
    its path parameters filled with the world's objects (the matrix test's values)."""
    tables = {app: load(app) for app in calls.PREFIX}
    paths = []
    for path, item in openapi.get("paths", {}).items():
        operation = item.get("get")
        if operation is None or not path.startswith("/api/v1/"):
            continue
        app = path.split("/")[3]
        prefix = calls.PREFIX.get(app, "")
        app = app if prefix else "gateway"
        inner = path[len(prefix) :]
        rule = tables[app].get(("GET", inner))
        if rule is None or not rule.allows(role):
            continue
        url = prefix + inner
        for name in calls.PARAM.findall(inner):
            value = calls.value(world, name, inner, role)
            url = url.replace("{" + name + "}", quote(value or "{}", safe="{}"))
        query, unknown = calls.required_query(operation)
        if unknown or "{" in url:
            continue
        paths.append(url + ("?" + urlencode(query) if query else ""))
        if query.get("format") == "json" and offers_html(operation):  # the links in documents too
            paths.append(url + "?" + urlencode({**query, "format": "html"}))
        if any(p["name"] == "limit" for p in operation.get("parameters", [])):  # pages' next links
            paths.append(url + "?" + urlencode({**query, "limit": "1"}))
    return sorted(paths)


def offers_html(operation: dict[str, Any]) -> bool:
    return any(p["name"] == "format" and "html" in str(p) for p in operation.get("parameters", []))


async def test_every_link_resolves_through_the_gateway(system: System) -> None:
    world = await build(system)
    openapi = (await system.client.get("/openapi.json")).json()
    for role in ("admin", "project_manager"):
        start = starts(world, openapi, role)
        assert len(start) >= 80, start  # every list and object read of every service
        crawler = await crawl(world, role, start)
        print(f"{role}: followed {len(crawler.followed)} links ({crawler.found} found)")
        assert not crawler.broken, f"{role}: {crawler.report()}"
        pages = [p for p in crawler.followed if "limit=1&" in p and ("offset=" in p or "cursor=" in p)]
        assert len(pages) >= 10, pages  # the lists' next links were followed
        assert len(crawler.followed) > len(start) + 60  # links were found and followed, not only lists


async def test_scim_links_resolve_through_the_gateway(system: System) -> None:
    world = await build(system)
    start = [
        f"/scim/v2/{name}"
        for name in ("Users", "Groups", "ServiceProviderConfig", "Schemas", "ResourceTypes")
    ]
    crawler = await crawl(world, "hr_sync", start)
    assert not crawler.broken, crawler.report()
    followed = [p for p in crawler.followed if p.startswith(("/scim/v2/Users/", "/scim/v2/Groups/"))]
    assert len(followed) >= 2, crawler.followed  # meta.location of users and groups were followed


async def test_created_resources_are_located_through_the_gateway(system: System) -> None:
    world = await build(system)
    c = system.client
    pm = {**world.headers("project_manager"), **FOREIGN_HOST}
    hr = {**world.headers("hr_sync"), **FOREIGN_HOST, "Content-Type": "application/scim+json"}
    event = {
        "project_code": PROJECT,
        "kind": "coaching",
        "title": "Linkit",
        "date": "2021-03-02",
        "hours": "1",
    }
    user = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": f"linkit.{world.marker}@kuopio.example",
        "active": True,
    }
    created = [
        await c.post("/api/v1/participants/coaching-events", json=event, headers=pm),
        await c.post(
            f"/api/v1/reports/projects/{PROJECT}/reports", json={"kind": "interim_evaluation"}, headers=pm
        ),
        await c.post("/scim/v2/Users", json=user, headers=hr),
    ]
    for response in created:
        assert response.status_code == 201, response.text
        location = response.headers["location"]
        assert location.startswith(PUBLIC + "/") or location.startswith(("/api/v1/", "/scim/v2/")), location
        crawler = await crawl(world, "admin" if "/scim/" not in location else "hr_sync", [location])
        assert not crawler.broken, crawler.report()


async def test_the_crawl_reports_links_that_do_not_resolve() -> None:
    """The crawler itself: a link to nowhere, a service's own address, the caller's Host header and
    a service-relative path are each reported; good links (path-absolute or on the public base) are
    followed, in bodies and in Link headers."""
    app = FastAPI()

    @app.get("/api/v1/x/items")
    async def items() -> JSONResponse:
        body = {
            "items": [{"href": "/api/v1/x/items/1"}, {"href": f"{PUBLIC}/api/v1/x/items/2"}],
            "missing_url": "/api/v1/x/nowhere",
            "internal": "http://127.0.0.1:8001/projects",
            "host_link": "http://evil.example/api/v1/x/items/1",
            "self": "/items",
        }
        return JSONResponse(body, headers={"Link": '</api/v1/x/items/3>; rel="next"'})

    @app.get("/api/v1/x/items/{n}")
    async def item(n: int) -> dict[str, int]:
        return {"n": n}

    async with running(app) as client:
        crawler = Crawl(client, {}, PUBLIC)
        await crawler.run(["/api/v1/x/items"])
    assert crawler.followed == {
        "/api/v1/x/items": 200,
        "/api/v1/x/items/1": 200,
        "/api/v1/x/items/2": 200,
        "/api/v1/x/nowhere": 404,
        "/api/v1/x/items/3": 200,
    }
    broken = "\n".join(crawler.broken)
    assert len(crawler.broken) == 4, broken
    for bad in ("/api/v1/x/nowhere (from", "127.0.0.1:8001", "evil.example", "/items (at $.self"):
        assert bad in broken
