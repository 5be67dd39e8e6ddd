"""Small stand-ins of the three services, shaped like the contract the gateway is built against.

Each stub answers like its service: problem documents on errors, ``/readyz``, ``/openapi.json``
(with a ``Project`` schema in budget and pilots that differ, to exercise the merge). Tests make a
path slow with ``app.state.slow[path] = seconds``.
"""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

from fastapi import Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBearer
from pydantic import BaseModel
from starlette.types import ASGIApp, Receive, Scope, Send

PROJECT = "S21894"
PILOTS = ["pilot-1", "pilot-2"]
OWNED_BY_CHAMPION = "pilot-3"  # owned by person-2, who also follows pilot-1 and pilot-2 as a champion
PILOTS_ONLY = "P-ONLY"  # a project the pilots stub knows and the budget stub does not
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


def _subject(request: Request) -> str | None:
    """The ``sub`` of the caller's token, unverified (a stub trusts the gateway's check)."""
    token = request.headers.get("authorization", "").partition(" ")[2]
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return None
    return str(claims.get("person_id") or claims.get("sub"))


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
        # Built from the Host header the gateway sent: the service's internal address.
        response.headers["Location"] = f"{request.base_url}items/43"
        response.headers["Content-Location"] = f"{request.base_url}items/43?view=full"
        return {"id": "43"}

    @app.post("/items-public", status_code=201, tags=["things"])
    async def create_item_public(response: Response) -> dict[str, str]:
        # A service configured with its public base links to gateway paths itself.
        response.headers["Location"] = "/api/v1/budget/items/44"
        response.headers["Link"] = '</api/v1/budget/items?offset=20>; rel="next"'
        return {"id": "44"}

    @app.api_route("/methods", methods=["OPTIONS", "PUT"], include_in_schema=False)
    async def methods(request: Request) -> Response:
        if request.method == "PUT":
            return Response(status_code=405, headers={"Allow": "GET, POST, OPTIONS"})
        return Response(
            status_code=204, headers={"Allow": "GET, POST, OPTIONS", "Accept-Patch": "application/json"}
        )

    @app.post("/upload", tags=["things"])
    async def upload(request: Request) -> dict[str, int]:
        return {"received": len(await request.body())}

    @app.get("/conflict", tags=["things"])
    async def conflict() -> JSONResponse:
        return _problem(409, "The claim is locked.")

    class ProjectPublic(BaseModel):  # the same name as the pilots stub's, another shape
        code: str
        funding_plan: str

    @app.get("/funded-projects/{code}", response_model=ProjectPublic, tags=["things"])
    async def funded_project(code: str) -> Any:
        return {"code": code, "funding_plan": "ESF+"}

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

    class ProjectPublic(BaseModel):  # the same name as the budget stub's, another shape
        code: str
        stage_counts: dict[str, int]

    bearer = HTTPBearer(description="The pilots service's own wording of the bearer scheme", auto_error=False)

    @app.get(
        "/pilot-projects/{code}",
        response_model=ProjectPublic,
        tags=["things"],
        dependencies=[Depends(bearer)],
    )
    async def pilot_project(code: str) -> Any:
        return {"code": code, "stage_counts": {}}

    @app.get("/projects/{code}", response_model=PilotProject, tags=["things"])
    async def project(code: str) -> Any:
        return {"code": code, "pilots": 2}

    @app.get("/projects/{code}/portfolio", tags=["pilots"])
    async def portfolio(code: str) -> Any:
        if code == PILOTS_ONLY:
            return {"by_stage": {}, "rule_3_5_holds": False, "pilots": []}
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

    @app.get("/projects", tags=["pilots"])
    async def projects() -> Any:
        items = [{"code": PROJECT, "pilots": len(PILOTS) + 1}, {"code": PILOTS_ONLY, "pilots": 0}]
        return {"items": items, "limit": 200, "offset": 0, "total": 2, "next_offset": None}

    @app.get("/projects/{code}/pilots", tags=["pilots"])
    async def project_pilots(code: str, owner_id: str | None = None) -> Any:
        owners = {pid: "person-1" for pid in PILOTS} | {OWNED_BY_CHAMPION: "person-2"}
        items = [
            {"id": pid, "project_code": code, "owner_id": owner}
            for pid, owner in owners.items()
            if code == PROJECT and owner_id in (None, owner)
        ]
        return {"items": items, "limit": 200, "offset": 0, "total": len(items), "next_offset": None}

    @app.get("/pilots/{pilot_id}", tags=["pilots"])
    async def pilot(pilot_id: str) -> Any:
        if pilot_id == OWNED_BY_CHAMPION:
            return {"id": pilot_id, "name": "Own pilot", "project_code": PROJECT, "owner_id": "person-2"}
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
        if _subject(request) != "person-2":
            return _problem(404, "No person record matches the caller.")
        return {
            "person": {"id": "person-2", "name": "Ceci Champion"},
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
        # Like the real service: any project code is answered (with zeros when nobody is in it).
        if code != PROJECT:
            return {"as_of": as_of, "champions_by_sector": [], "champions_reached": 0, "competence": None}
        return {
            "as_of": as_of,
            "champions_by_sector": [{"sector": "education", "champions": 4, "coaching_hours": "12.5"}],
            "champions_reached": 4,
            "competence": {"baseline": "2.1", "latest": "2.7"},
        }

    def scim_user(request: Request, user_id: str) -> dict[str, Any]:
        base = str(request.base_url).rstrip("/")  # the Host header the gateway sent
        return {
            "id": user_id,
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": f"{user_id}@kuopio.example",
            "manager": {"value": "u0", "$ref": f"{base}/scim/v2/Users/u0"},
            "meta": {"resourceType": "User", "location": f"{base}/scim/v2/Users/{user_id}"},
        }

    @app.post("/scim/v2/Users", status_code=201, include_in_schema=False)  # like the real service
    async def scim_create(request: Request) -> Any:
        user = scim_user(request, "u1")
        headers = {"Location": user["meta"]["location"], "Content-Location": user["meta"]["location"]}
        return JSONResponse(user, 201, headers=headers, media_type="application/scim+json")

    @app.get("/scim/v2/Users", include_in_schema=False)
    async def scim_list(request: Request) -> Any:
        users = [scim_user(request, "u1"), scim_user(request, "u2")]
        body = {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": 2,
            "Resources": users,
        }
        return JSONResponse(body, media_type="application/scim+json")

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
