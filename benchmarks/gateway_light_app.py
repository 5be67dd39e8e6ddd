"""A light FastAPI upstream for ``gateway_proxy.py --service light``: one small resource with an
ETag and a bearer check, so that the proxies (not a database) set the pace.
``uvicorn --factory benchmarks.gateway_light_app:create_app``."""

from __future__ import annotations

from fastapi import FastAPI, Response
from pydantic import BaseModel

from hanke_libs.auth import CurrentPrincipal, TokenVerifier
from hanke_libs.settings import AppSettings


class PilotCard(BaseModel):
    id: str
    project_code: str
    title: str
    stage: str
    version: int


def create_app() -> FastAPI:
    app = FastAPI()
    app.state.verifier = TokenVerifier(AppSettings())

    @app.get("/livez")
    async def livez() -> dict[str, str]:
        return {"status": "alive"}

    @app.get("/pilots/{pilot_id}", response_model=PilotCard)
    async def pilot(pilot_id: str, principal: CurrentPrincipal, response: Response) -> PilotCard:
        response.headers["ETag"] = '"3"'
        return PilotCard(
            id=pilot_id, project_code="S21894", title="Digiavustaja", stage="experiment", version=3
        )

    return app
