"""``/docs`` and ``/redoc`` render the API's operations in a browser that cannot reach the internet:
their scripts and styles come from the gateway (a Python package), not a CDN."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from gateway.config import Settings
from gateway.main import create_app
from tests.browser import BrowserMissing, chromium, load_offline
from tests.gateway.servers import ServerThread


@pytest.fixture(scope="module")
def browser() -> str:
    try:
        return chromium()
    except BrowserMissing as exc:
        pytest.skip(str(exc))


@pytest.fixture
def gateway(settings: Settings) -> Iterator[ServerThread]:
    server = ServerThread(create_app(settings)).start()
    yield server
    server.stop()


def test_pages_reference_only_the_gateways_own_assets(gateway: ServerThread) -> None:
    with httpx.Client(base_url=gateway.url) as client:
        for page in ("/docs", "/redoc"):
            response = client.get(page)
            html = response.text
            assert "default-src 'self'" in response.headers["content-security-policy"]
            assert "/docs/assets/" in html and "cdn" not in html.lower() and "fonts.googleapis" not in html
        for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js"):
            response = client.get(f"/docs/assets/{asset}")
            assert response.status_code == 200 and len(response.content) > 10_000, asset


def test_swagger_ui_renders_the_operations_offline(browser: str, gateway: ServerThread) -> None:
    page = load_offline(gateway.url + "/docs")
    assert page.foreign() == [], "the page asked for something outside the gateway"
    assert gateway.url + "/docs/assets/swagger-ui-bundle.js" in page.requested
    assert gateway.url + "/openapi.json" in page.requested
    # Swagger UI rendered an operation block per operation, with the gateway's own summaries.
    assert 'class="opblock opblock-get' in page.dom
    assert 'data-path="/api/v1/views/me"' in page.dom
    assert 'data-path="/api/v1/views/projects/{code}/situation"' in page.dom
    assert 'data-path="/scim/v2/Users"' in page.dom
    assert "My page: my pilots, coaching and assessments" in page.dom


def test_redoc_renders_the_operations_offline(browser: str, gateway: ServerThread) -> None:
    page = load_offline(gateway.url + "/redoc")
    assert page.foreign() == []
    assert gateway.url + "/docs/assets/redoc.standalone.js" in page.requested
    assert "My page: my pilots, coaching and assessments" in page.dom
    assert "Situational picture (tilannekuva) of a project" in page.dom
