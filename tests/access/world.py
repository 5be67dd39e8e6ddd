"""The world the route x role matrix is tried in: the whole product, seeded, with two of everything
that has an owner, entered through the gateway as the people who would enter it.

Side A is what the identities named by their role own: pilot A (owned by ``pilot_owner``, followed
by ``champion``), Kuopio's cost entry (``finance`` is Kuopio's, the lead implementer), the champion's
person record. Side B belongs to the wrong owners: pilot B (``pilot_owner@other``,
``champion@other``), Savonia's entry (``finance@other``). Every path parameter resolves to a side-A
object, so a wrong owner calling the same request must be refused (or, for lists, must not see it).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from hanke_libs.testing import bearer
from pilots.seed_data import pilot_id as sample_pilot_id
from tests.system import System

PROJECT, KUOPIO, SAVONIA = "S21894", "0171450-7", "2629463-3"
# identity -> (role, implementer); each identity except admin, the project manager and hr_sync is a
# provisioned person whose person id is its token's subject ("own person").
IDENTITIES: dict[str, tuple[str, str | None]] = {
    "admin": ("admin", None),
    "project_manager": ("project_manager", None),
    "finance": ("finance", KUOPIO),
    "finance@other": ("finance", SAVONIA),
    "pilot_owner": ("pilot_owner", None),
    "pilot_owner@other": ("pilot_owner", None),
    "champion": ("champion", None),
    "champion@other": ("champion", None),
    "steering": ("steering", None),
    "auditor": ("auditor", None),
    "hr_sync": ("hr_sync", None),
}
UNPERSONED = {"hr_sync"}


@dataclass
class World:
    system: System
    person: dict[str, str] = field(default_factory=dict)  # identity -> person id
    ids: dict[str, str] = field(default_factory=dict)  # path parameter -> side-A value
    side_b: dict[str, str] = field(default_factory=dict)  # the same objects of side B
    personal: dict[str, set[str]] = field(default_factory=dict)  # whose -> what steering may not see
    marker: str = field(default_factory=lambda: uuid.uuid4().hex[:10])

    def headers(self, identity: str | None, permissions: list[str] | None = None) -> dict[str, str]:
        if identity is None:
            return {}
        role, implementer = IDENTITIES[identity]
        subject = self.person.get(identity, f"matrix-{identity}")
        extra = {"permissions": permissions} if permissions else {}
        return bearer(self.system.settings, role, subject=subject, implementer=implementer, **extra)


def ok(response: httpx.Response, *codes: int) -> Any:
    assert response.status_code in (codes or (200, 201)), (response.request.url, response.text)
    return response.json() if response.content else None


async def build(system: System) -> World:
    world = World(system)
    c, w = system.client, world
    pm = w.headers("project_manager")
    hr = {**w.headers("hr_sync"), "Content-Type": "application/scim+json"}
    for n, identity in enumerate(i for i in [*IDENTITIES, "other"] if i not in UNPERSONED):
        email = f"matrix.{w.marker}.{n}@kuopio.example"
        user = {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": email,
            "externalId": f"9{n:04d}{w.marker[:4]}",
            "name": {"givenName": f"Matrix{n}", "familyName": f"Henkilo{w.marker}x{n}"},
            "emails": [{"value": email, "type": "work", "primary": True}],
            "active": True,
        }
        w.person[identity] = ok(await c.post("/scim/v2/Users", json=user, headers=hr), 201)["id"]
        w.personal[identity] = {w.person[identity], email, f"Henkilo{w.marker}x{n}"}
    w.personal["seed"] = {"sample-owner-"}
    group = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": f"Yksikkö {w.marker}"}
    w.ids["group_id"] = ok(await c.post("/scim/v2/Groups", json=group, headers=hr), 201)["id"]
    pilots = {"A": sample_pilot_id(1), "B": sample_pilot_id(2)}
    for side, owner in (("A", "pilot_owner"), ("B", "pilot_owner@other")):
        url = f"/api/v1/pilots/pilots/{pilots[side]}"
        etag = (await c.get(url, headers=pm)).headers["etag"]
        ok(await c.patch(url, json={"owner_id": w.person[owner]}, headers={**pm, "If-Match": etag}))
    w.ids["pilot_id"], w.side_b["pilot_id"] = pilots["A"], pilots["B"]
    for side, identity in (("A", "champion"), ("B", "champion@other")):
        body = {
            "person_id": w.person[identity],
            "project_code": PROJECT,
            "start_date": "2020-01-01",
            "pilots": [{"pilot_id": pilots[side], "start_date": "2020-01-01"}],
        }
        made = ok(await c.post("/api/v1/participants/champions", json=body, headers=pm), 201)
        (w.ids if side == "A" else w.side_b)["champion_id"] = made["id"]
    for side, identity in (("A", "finance"), ("B", "finance@other")):
        voucher = f"MATRIX-{side}-{w.marker}"
        body = {
            "entry_date": "2021-05-03",
            "category": "purchased_services",
            "amount": "123.45",
            "voucher_ref": voucher,
            "description": f"Matriisin kulu {side}",
            "pilot_id": pilots[side],
        }
        made = ok(
            await c.post(f"/api/v1/budget/projects/{PROJECT}/costs", json=body, headers=w.headers(identity)),
            201,
        )
        (w.ids if side == "A" else w.side_b)["entry_id"] = str(made["id"])
        (w.ids if side == "A" else w.side_b)["voucher"] = voucher
    await _more(world)
    return world


async def _first(c: httpx.AsyncClient, url: str, headers: dict[str, str], key: str = "id") -> str:
    body = ok(await c.get(url, headers=headers))
    items = body["items"] if isinstance(body, dict) and "items" in body else body
    assert items, f"{url} is empty: the matrix needs one"
    return str(items[0][key])


async def _more(w: World) -> None:
    c, pm = w.system.client, w.headers("project_manager")
    pilot = w.ids["pilot_id"]
    p, b, pa, r = (
        "/api/v1/pilots",
        f"/api/v1/budget/projects/{PROJECT}",
        "/api/v1/participants",
        "/api/v1/reports",
    )
    post = {"text": f"Edistysmerkintä {w.marker} kirjoitti kellokas"}
    made = ok(await c.post(f"{p}/pilots/{pilot}/timeline", json=post, headers=w.headers("champion")), 201)
    w.ids["post_id"] = str(made["id"])
    w.personal["champion"].add(post["text"])
    w.ids["question_id"] = await _first(c, f"{p}/reflection-questions", pm)
    w.ids["indicator_id"] = await _first(c, f"{p}/pilots/{pilot}/indicators", pm)
    w.ids["measurement_id"] = await _first(c, f"{p}/pilots/{pilot}/measurements", pm)
    w.ids["decision_id@pilots"] = await _first(c, f"{p}/pilots/{pilot}/decisions", pm)
    w.ids["establishment_id"] = await _first(c, f"{p}/projects/{PROJECT}/establishments", pm)
    w.ids["sector_code"] = await _first(c, f"{p}/sectors", pm, key="code")
    w.ids["framework"] = await _first(c, f"{pa}/frameworks", pm, key="code")
    w.ids["version"] = "2"
    w.ids["decision_id@budget"] = await _first(c, f"{b}/versions/2/decisions", pm)
    lock = {"period_start": "2020-01-01", "period_end": "2020-01-31", "reason": "Matriisi"}
    w.ids["lock_id"] = str(ok(await c.post(f"{b}/period-locks", json=lock, headers=pm), 201)["id"])
    claim = {"period_start": "2022-07-01", "period_end": "2022-12-31"}
    made = ok(await c.post(f"{b}/claims", json=claim, headers=w.headers("finance")), 201)
    w.ids["claim"] = str(made["number"])
    event = {
        "project_code": PROJECT,
        "kind": "coaching",
        "title": "Matriisi",
        "date": "2021-03-01",
        "hours": "2",
    }
    w.ids["event_id"] = str(ok(await c.post(f"{pa}/coaching-events", json=event, headers=pm), 201)["id"])
    w.ids["round_id"] = await _first(c, f"{pa}/rounds?project_code={PROJECT}", pm)
    entry = {"gender": "female", "age_group": "over_54", "labour_status": "employed", "isced": "5-8"}
    esr = {
        "person_id": w.person["champion"],
        "project_code": PROJECT,
        "entry_date": "2020-09-01",
        "entry": entry,
    }
    w.ids["participation_id"] = str(
        ok(await c.post(f"{pa}/esr/participations", json=esr, headers=pm), 201)["id"]
    )
    made = ok(
        await c.post(f"{r}/projects/{PROJECT}/reports", json={"kind": "interim_evaluation"}, headers=pm), 201
    )
    w.ids["report_id"] = str(made["id"])
    for _ in range(2):  # two versions to compare
        ok(await c.post(f"{r}/reports/{made['id']}/versions", json={}, headers=pm), 201)
    w.ids["obligation_id"] = await _first(c, f"{r}/projects/{PROJECT}/obligations", pm)
    feed = ok(await c.post(f"{r}/projects/{PROJECT}/calendar/feed-token", headers=pm), 200, 201)
    w.ids["token"] = feed["feed_url"].rstrip("/").split("/")[-2]  # .../feeds/{token}/calendar.ics
