"""The service's public links (bodies, ``Location``): through the gateway, from configuration.

Every link the budget service hands out is made here with :func:`hanke_libs.links.public_url`, so
it resolves where the caller is (``/api/v1/budget/...`` at the gateway by default).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import Depends, Request

from hanke_libs.links import public_url
from hanke_libs.settings import AppSettings


class Links:
    """Public links of the budget service's resources."""

    def __init__(self, settings: AppSettings) -> None:
        self.settings = settings

    def url(self, path: str) -> str:
        return public_url(self.settings, path)

    def project(self, code: str) -> str:
        return self.url(f"/projects/{quote(code, safe='')}")

    def entry(self, code: str, entry_id: int) -> str:
        return f"{self.project(code)}/costs/{entry_id}"

    def ledger(self, code: str, **filters: Any) -> str:
        """The ledger list with filters: the rows behind a figure ("explain this number")."""
        query = urlencode({k: v for k, v in filters.items() if v is not None})
        return f"{self.project(code)}/costs" + (f"?{query}" if query else "")

    def claim(self, code: str, number: int) -> str:
        return f"{self.project(code)}/claims/{number}"

    def version(self, code: str, number: int) -> str:
        return f"{self.project(code)}/versions/{number}"

    def decision(self, code: str, number: int, decision_id: int) -> str:
        return f"{self.version(code, number)}/decisions/{decision_id}"

    def lock(self, code: str, lock_id: int) -> str:
        return f"{self.project(code)}/period-locks/{lock_id}"

    def figure(self, code: str, name: str) -> str:
        return f"{self.project(code)}/{name}"


async def get_links(request: Request) -> Links:
    links: Links | None = getattr(request.app.state, "links", None)
    if links is None:
        links = request.app.state.links = Links(request.app.state.settings)
    return links


LinksDep = Annotated[Links, Depends(get_links)]
