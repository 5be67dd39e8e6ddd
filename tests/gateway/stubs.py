"""Small stand-ins of the three services, shaped like the contract the gateway is built against.

Each stub answers like its service: problem documents on errors, ``/readyz``, ``/openapi.json``
(with a ``Project`` schema in budget and pilots that differ, to exercise the merge). Tests make a
path slow with ``app.state.slow[path] = seconds``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.types import ASGIApp, Receive, Scope, Send

PROJECT = "S21894"
PILOTS = ["pilot-1", "pilot-2"]
ECHOED = ("authorization", "content-type", "accept", "if-match", "if-none-match", "x-request-id")


class SlowPaths:
    def __init__(self, app: ASGIApp, slow: dict[str, float]) -> None:
        self.app = app
        self.slow = slow

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] in self.slow:
            await asyncio.sleep(self.slow[scope["path"]])
        await self.app(scope, receive, send)


def _problem(status: int, detail: str) -> JSONResponse:
    body = {"type": "https://hanke.kuopio.example/problems/not-found", "title": "Not found"}
    return JSONResponse(
        {**body, "status": status, "detail": detail}, status, media_type="application/problem+json"
    )


def _base(title: str) -> FastAPI:
    app = FastAPI(title=title, openapi_tags=[{"name": "health"}, {"name": "things", "description": "T"}])
    app.state.slow = {}
    app.state.calls = []
    app.add_middleware(SlowPaths, slow=app.state.slow)

    @app.middleware("http")
    async def record(request: Request, call_next: Any) -> Any:
        app.state.calls.append((request.method, request.url.path, request.headers.get("authorization")))
        return await call_next(request)

    @app.get("/readyz", tags=["health"])
    async def readyz() -> dict[str, str]:
        return {"status": "ready"}

    @app.api_route(
        "/echo/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False
    )
    async def echo(rest: str, request: Request) -> Response:
        body = (await request.body()).decode()
        data = {
            "method": request.method,
            "path": request.url.path,
            "query": request.url.query,
            "headers": {h: request.headers.get(h) for h in ECHOED},
            "body": body,
        }
        headers = {
            "ETag": '"7"',
            "Link": '</echo/list?offset=20>; rel="next", <http://elsewhere.example/x>; rel="help"',
            "Content-Disposition": 'attachment; filename="v\u00e4li.json"',  # sent as one latin-1 byte
            "X-Internal": "not forwarded",
        }
        return JSONResponse(data, headers=headers)

    @app.get("/slow", tags=["things"])
    async def slow() -> dict[str, str]:
        await asyncio.sleep(3)
        return {"status": "late"}

    return app


class BudgetProject(BaseModel):
    code: str
    period_start: str


class PilotProject(BaseModel):
    code: str
    pilots: int


def budget_stub() -> FastAPI:
    app = _base("budget stub")

    @app.post("/items", status_code=201, tags=["things"])
    async def create_item(response: Response) -> dict[str, str]:
        response.headers["Location"] = "/items/42"
        response.headers["ETag"] = '"1"'
        return {"id": "42"}

    @app.get("/items/{item_id}", tags=["things"])
    async def read_item(item_id: str, request: Request) -> Response:
        if request.headers.get("if-none-match") == '"1"':
            return Response(status_code=304, headers={"ETag": '"1"'})
        return JSONResponse({"id": item_id}, headers={"ETag": '"1"'})

    @app.delete("/items/{item_id}", status_code=204, tags=["things"])
    async def delete_item(item_id: str) -> Response:
        return Response(status_code=204)

    @app.post("/items-absolute", status_code=201, tags=["things"])
    async def create_item_absolute(request: Request, response: Response) -> dict[str, str]:
        response.headers["Location"] = f"{request.base_url}items/43"
        return {"id": "43"}

    @app.get("/conflict", tags=["things"])
    async def conflict() -> JSONResponse:
        return _problem(409, "The claim is locked.")

    @app.get("/projects/{code}", response_model=BudgetProject, tags=["things"])
    async def project(code: str) -> Any:
        return {"code": code, "period_start": "2024-09-01"}

    @app.get("/projects/{code}/summary", tags=["budget"])
    async def summary(code: str, as_of: str | None = None) -> Any:
        if code != PROJECT:
            return _problem(404, f"Project {code} does not exist.")
        return {
            "project": {"code": code, "name": "IDK", "period_start": "2024-09-01"},
            "as_of": as_of,
            "utilisation": "0.25",
            "funding_by_source": [{"source": "ESF+", "amount": "1592580.00"}],
            "own_funding_cap": {"ok": True},
        }

    @app.get("/projects/{code}/costs/by-pilot/{pilot_id}", tags=["budget"])
    async def costs(code: str, pilot_id: str) -> Any:
        return {
            "pilot_id": pilot_id,
            "total": "1234.50",
            "entries": [{"description": "Coaching", "amount": "1234.50", "person_id": "person-9"}],
        }

    return app


def pilots_stub() -> FastAPI:
    app = _base("pilots stub")

    @app.get("/projects/{code}", response_model=PilotProject, tags=["things"])
    async def project(code: str) -> Any:
        return {"code": code, "pilots": 2}

    @app.get("/projects/{code}/portfolio", tags=["pilots"])
    async def portfolio(code: str) -> Any:
        if code != PROJECT:
            return _problem(404, f"Project {code} does not exist.")
        return {
            "by_stage": {"experiment": 1, "established": 1},
            "rule_3_5_holds": False,
            "pilots": [
                {"id": pid, "name": f"Pilot {pid}", "owner_id": "person-1", "owner_name": "Olli Omistaja"}
                for pid in PILOTS
            ],
        }

    @app.get("/pilots/{pilot_id}", tags=["pilots"])
    async def pilot(pilot_id: str) -> Any:
        if pilot_id not in PILOTS:
            return _problem(404, f"Pilot {pilot_id} does not exist.")
        return {
            "id": pilot_id,
            "name": f"Pilot {pilot_id}",
            "project_code": PROJECT,
            "stage": "experiment",
            "owner_id": "person-1",
            "owner": {"person_id": "person-1", "name": "Olli Omistaja", "email": "olli@kuopio.example"},
        }

    @app.get("/pilots/{pilot_id}/indicators", tags=["pilots"])
    async def indicators(pilot_id: str) -> Any:
        return {"items": [{"name": "Work engagement", "baseline": "3.10", "latest": "3.60"}], "total": 1}

    return app


def participants_stub() -> FastAPI:
    app = _base("participants stub")

    @app.get("/me", tags=["participants"])
    async def me(request: Request) -> Any:
        return {
            "person_id": "person-2",
            "name": "Ceci Champion",
            "enrolments": [{"pilot_id": "pilot-1", "role": "champion"}, {"pilot_id": "pilot-2"}],
            "coaching": [{"date": "2025-01-10", "hours": "2.0"}],
            "assessments": [{"round": "baseline", "score": "2.5"}],
        }

    @app.get("/pilots/{pilot_id}/champions", tags=["participants"])
    async def champions(pilot_id: str) -> Any:
        people = [{"person_id": "person-2", "name": "Ceci Champion", "sector": "education"}]
        return {"items": people, "champions": people, "total": 1}

    @app.get("/projects/{code}/situation", tags=["participants"])
    async def situation(code: str, as_of: str | None = None) -> Any:
        if code != PROJECT:
            return _problem(404, f"Project {code} does not exist.")
        return {
            "as_of": as_of,
            "champions_by_sector": [{"sector": "education", "champions": 4, "coaching_hours": "12.5"}],
            "champions_reached": 4,
            "competence": {"baseline": "2.1", "latest": "2.7"},
        }

    @app.post("/scim/v2/Users", status_code=201, tags=["scim"])
    async def scim_create(request: Request, response: Response) -> Any:
        response.headers["Location"] = f"{request.base_url}scim/v2/Users/u1"
        return {"id": "u1", "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]}

    return app


def reports_stub() -> FastAPI:
    """Answers the interim evaluation like the reports service: JSON, or a document by Accept / format."""
    app = _base("reports stub")

    @app.get("/projects/{code}/interim-evaluation", tags=["reports"])
    async def interim(
        code: str, request: Request, as_of: str | None = None, format: str | None = None
    ) -> Any:
        if code != PROJECT:
            return _problem(404, f"Project {code} is not known to the budget service.")
        accept = request.headers.get("accept", "")
        if format == "pdf" or "application/pdf" in accept:
            return Response(
                b"%PDF-1.7 stub",
                media_type="application/pdf",
                headers={
                    "Content-Disposition": 'attachment; filename="S21894-valiarviointi-fi.pdf"',
                    "Content-Language": "fi",
                },
            )
        if "image/png" in accept:
            body = {
                "type": "https://hanke.kuopio.example/problems/not-acceptable",
                "title": "Not acceptable",
                "status": 406,
            }
            return JSONResponse(body, 406, media_type="application/problem+json")
        return {
            "snapshot": {"report": {"project_code": code, "as_of": as_of or "2025-09-01"}},
            "document": {"lang": request.headers.get("accept-language", "fi")[:2], "sections": []},
        }

    @app.get("/feeds/{token}/calendar.ics", tags=["calendar"])
    async def feed(token: str, request: Request) -> Response:
        return Response(
            f"BEGIN:VCALENDAR\r\nX-AUTH:{request.headers.get('authorization')}\r\nEND:VCALENDAR\r\n",
            media_type="text/calendar",
        )

    return app


STUBS = {
    "budget": budget_stub,
    "pilots": pilots_stub,
    "participants": participants_stub,
    "reports": reports_stub,
}
