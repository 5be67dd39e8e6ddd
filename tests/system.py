"""The whole product in one test process: every service on its own migrated, seeded database
(uvicorn in a thread on a free loopback port), wired to its peers, behind the real gateway.

Used by the cross-service tests (the gateway's system tests, the route x role matrix, link
following, reports). Ports are chosen before any app is built, so each service is configured with
its peers' real URLs (``<peer>_url`` settings, see docs/adr/0001-cross-service-facts.md).
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from hanke_libs.db import standalone_database
from hanke_libs.settings import AppSettings
from hanke_libs.testing import MigratedDatabase, bearer, running
from tests.gateway.servers import ServerThread, free_port

SERVICES = ("budget", "pilots", "participants")


@dataclass
class System:
    """The running system: ``client`` talks to the gateway in process, ``direct[name]`` to a service."""

    servers: dict[str, ServerThread]
    settings: AppSettings
    client: httpx.AsyncClient
    direct: dict[str, httpx.AsyncClient] = field(default_factory=dict)
    gateway: Any = None  # the gateway's app, which ``client`` talks to

    def auth(self, *roles: str, **kw: Any) -> dict[str, str]:
        return bearer(self.settings, *roles, **kw)


def service_settings(name: str, url: str, peer_urls: Mapping[str, str], **overrides: Any) -> AppSettings:
    """``name``'s settings on the database ``url``, with every ``<peer>_url`` it declares."""
    config = importlib.import_module(f"{name}.config")
    fields = config.Settings.model_fields
    values: dict[str, Any] = {"database_url": url, "log_json": False}
    values.update(
        {f"{peer}_url": peer_url for peer, peer_url in peer_urls.items() if f"{peer}_url" in fields}
    )
    values.update(overrides)
    settings: AppSettings = config.Settings(**values)
    return settings


async def seed(name: str, url: str) -> None:
    async with standalone_database(url) as db:
        await importlib.import_module(f"{name}.seed").seed(db)


async def start_service(
    name: str,
    database: MigratedDatabase,
    port: int,
    peer_urls: Mapping[str, str],
    *,
    seeded: bool = True,
    overrides: Mapping[str, Any] | None = None,
) -> ServerThread:
    """Service ``name`` on a fresh copy of ``database`` (seeded), served on ``port`` in a thread and
    configured with its peers' URLs; returns once its OpenAPI document is built."""
    db_url = database.fresh_url()
    if seeded:
        await seed(name, db_url)
    peers = {peer: url for peer, url in peer_urls.items() if peer != name}
    app = importlib.import_module(f"{name}.main").create_app(
        service_settings(name, db_url, peers, **(overrides or {}))
    )
    server = ServerThread(app, port=port).start()
    # Build each OpenAPI document before the next app starts: building pydantic schemas in several
    # threads at once races inside pydantic.
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        assert (await client.get("/openapi.json")).status_code == 200
    return server


@contextlib.asynccontextmanager
async def running_system(
    databases: Mapping[str, MigratedDatabase],
    *,
    seeded: bool = True,
    gateway_overrides: Mapping[str, Any] | None = None,
    service_overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> AsyncIterator[System]:
    """Start every service in ``databases`` (fresh copies, seeded) and the gateway over them;
    ``service_overrides[name]`` are settings of service ``name``."""
    from gateway.main import create_app
    from tests.gateway.conftest import gateway_settings

    names = [n for n in SERVICES if n in databases] + [n for n in databases if n not in SERVICES]
    ports = {name: free_port() for name in names}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    servers: dict[str, ServerThread] = {}
    direct: dict[str, httpx.AsyncClient] = {}
    try:
        for name in names:
            overrides = (service_overrides or {}).get(name, {})
            servers[name] = await start_service(
                name, databases[name], ports[name], urls, seeded=seeded, overrides=overrides
            )
            direct[name] = httpx.AsyncClient(base_url=urls[name], timeout=30)
        values: dict[str, Any] = {"upstream_timeout_seconds": 5.0, "view_deadline_seconds": 8.0}
        values.update(gateway_overrides or {})
        settings = gateway_settings(urls, **values)
        gateway = create_app(settings)
        async with running(gateway) as client:
            yield System(servers, settings, client, direct, gateway)
    finally:
        for client in direct.values():
            await client.aclose()
        for server in servers.values():
            if server.thread.is_alive():
                server.stop()
