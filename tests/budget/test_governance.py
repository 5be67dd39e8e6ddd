"""Substantial budget changes, detected by rules that are data and governed by recorded decisions (issue 11).

On the code before, version 3 adding 177 158 € was saved with ``substantial: false``, a version
declared substantial without a board reference became current anyway, ``make-current`` on it
answered 200, and a ``decided`` version without a decision reference was accepted and in force.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from tests.budget.conftest import KUOPIO, SAVONIA, local

Auth = Callable[..., dict[str, str]]
BOARD = {"body": "city_board", "decided_on": "2021-05-10", "reference": "Kh § 120/2021"}
FUNDER = {
    "body": "funder",
    "decided_on": "2021-06-01",
    "reference": "ELY muutospäätös 2021",
    "document_url": "https://example.org/paatos.pdf",
}


async def lines_of(
    client: httpx.AsyncClient, idk: str, number: int, headers: dict[str, str]
) -> list[dict[str, Any]]:
    version = (await client.get(f"/projects/{idk}/versions/{number}", headers=headers)).json()
    return [{k: line[k] for k in ("implementer", "year", "category", "amount")} for line in version["lines"]]


def change(
    lines: list[dict[str, Any]], implementer: str, year: int, category: str, delta: str
) -> list[dict[str, Any]]:
    out = []
    for line in lines:
        if (line["implementer"], line["year"], line["category"]) == (implementer, year, category):
            line = line | {"amount": f"{float(line['amount']) + float(delta):.2f}"}
        out.append(line)
    return out


def fired(version: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["rule"]: r for r in version["review"]["rules"] if r["fired"]}


async def test_seeded_history_applied_then_decided(client: httpx.AsyncClient, auth: Auth, idk: str) -> None:
    steering = auth("steering")
    versions = (await client.get(f"/projects/{idk}/versions", headers=steering)).json()["items"]
    assert [(v["number"], v["kind"], v["status"]) for v in versions] == [
        (1, "applied", "superseded"),
        (2, "decided", "in_force"),
    ]
    assert versions[0]["eligible_total"] == "1592580.00" and versions[1]["eligible_total"] == "1532910.00"
    # steering sees no person: not who made the versions or recorded the decisions, nor free text
    assert all(v["created_by"] is None and v["reason"] is None for v in versions)
    assert all(d["recorded_by"] is None for v in versions for d in v["decisions"])
    assert versions[1]["decisions"][0]["reference"].startswith("Etelä-Savon ELY-keskus")
    # what changed: the funder cut 59 670 € of Kuopio's purchased services, more than 10 % of the category
    rules = fired(versions[1])
    assert set(rules) == {"category_shift"}
    moved = rules["category_shift"]["measure"]["categories"]
    assert [(m["category"], m["change"]) for m in moved] == [("purchased_services", "-59670.00")]
    assert versions[1]["review"]["compared_with"] == 1
    assert versions[1]["review"]["decisions_needed"] == ["funder"]

    baseline = (await client.get(f"/projects/{idk}/baseline", headers=steering)).json()
    assert baseline["version"]["number"] == 2 and baseline["effective_from"] == "2020-03-16"
    assert baseline["decision"]["body"] == "funder"
    history = (await client.get(local(baseline["history"]), headers=steering)).json()["items"]
    assert [(h["version"], h["effective_from"]) for h in history] == [(1, "2020-01-01"), (2, "2020-03-16")]
    compared = (await client.get(f"/projects/{idk}/versions/compare?a=1&b=2", headers=steering)).json()
    assert compared["difference"] == "-59670.00"
    assert [r["rule"] for r in compared["governance"]["rules"] if r["fired"]] == ["category_shift"]


async def test_a_raise_waits_for_both_decisions(client: httpx.AsyncClient, auth: Auth, idk: str) -> None:
    pm = auth("project_manager", subject="hp")
    raised = change(await lines_of(client, idk, 2, pm), KUOPIO, 2021, "other", "177158.00")
    v3 = await client.post(
        f"/projects/{idk}/versions",
        json={"kind": "amended", "reason": "Lisärahoitus", "substantial": False, "lines": raised},
        headers=pm,
    )
    assert v3.status_code == 201, v3.text
    body = v3.json()
    assert body["status"] == "pending_decision" and body["in_force"] is False and body["substantial"] is True
    rules = fired(body)
    assert rules["total_increased"]["measure"]["change"] == "177158.00"
    assert rules["total_increased"]["decided_by"] == "city_board"
    assert body["needs_decision_by"] == ["city_board", "funder"]
    assert v3.headers["location"] == f"/api/v1/budget/projects/{idk}/versions/3"

    refused = await client.post(f"/projects/{idk}/versions/3/make-current", headers=pm)
    assert refused.status_code == 409 and refused.json()["type"].endswith("/version-needs-decision")
    assert refused.json()["missing_decisions"] == ["city_board", "funder"]
    assert "total_increased" in refused.json()["detail"]
    summary = (await client.get(f"/projects/{idk}/summary", headers=pm)).json()
    assert summary["budget"]["number"] == 2 and summary["planned_total"] == "1532910.00"

    board = await client.post(f"/projects/{idk}/versions/3/decisions", json=BOARD, headers=pm)
    assert board.status_code == 201, board.text
    assert local(board.headers["location"]) == f"/projects/{idk}/versions/3/decisions/{board.json()['id']}"
    assert (await client.get(local(board.headers["location"]), headers=pm)).json()[
        "reference"
    ] == "Kh § 120/2021"
    after_board = (await client.get(f"/projects/{idk}/versions/3", headers=pm)).json()
    assert after_board["status"] == "pending_decision" and after_board["needs_decision_by"] == ["funder"]

    funder = await client.post(f"/projects/{idk}/versions/3/decisions", json=FUNDER, headers=pm)
    assert funder.status_code == 201
    in_force = (await client.get(f"/projects/{idk}/versions/3", headers=pm)).json()
    assert in_force["status"] == "in_force" and in_force["needs_decision_by"] == []
    baseline = (await client.get(f"/projects/{idk}/baseline", headers=pm)).json()
    assert baseline["version"]["number"] == 3 and baseline["effective_from"] == "2021-06-01"
    assert baseline["decision"]["reference"] == "ELY muutospäätös 2021"
    now = (await client.get(f"/projects/{idk}/summary", headers=pm)).json()
    assert now["planned_total"] == "1710068.00" and now["budget"]["number"] == 3
    before = (await client.get(f"/projects/{idk}/summary?as_of=2021-05-31", headers=pm)).json()
    assert before["planned_total"] == "1532910.00" and before["budget"]["number"] == 2

    trail = (
        await client.get(f"/audit?entity_type=budget_version&entity_id={idk}/3", headers=auth("auditor"))
    ).json()
    assert [e["action"] for e in trail["items"]] == ["create", "decision", "decision", "enter_force"]
    assert trail["items"][0]["changes"]["rules_fired"] == ["total_increased", "category_shift"]


async def test_a_small_change_the_manager_puts_into_force(
    client: httpx.AsyncClient, auth: Auth, idk: str
) -> None:
    pm = auth("project_manager")
    lines = change(await lines_of(client, idk, 2, pm), KUOPIO, 2021, "travel", "-500.00")
    lines = change(lines, KUOPIO, 2021, "rents", "500.00")
    v3 = await client.post(
        f"/projects/{idk}/versions",
        json={"kind": "amended", "reason": "Pieni siirto", "lines": lines},
        headers=pm,
    )
    assert v3.status_code == 201 and v3.json()["status"] == "in_force", v3.text
    assert v3.json()["substantial"] is False and fired(v3.json()) == {}
    assert (await client.get(f"/projects/{idk}/versions/2", headers=pm)).json()["status"] == "superseded"
    # and back to version 2 (nothing would fire either way)
    back = await client.post(f"/projects/{idk}/versions/2/make-current", headers=pm)
    assert back.status_code == 200 and back.json()["in_force"] is True


async def test_decided_and_declared_versions_need_decisions(
    client: httpx.AsyncClient, auth: Auth, idk: str
) -> None:
    pm = auth("project_manager")
    lines = await lines_of(client, idk, 2, pm)
    decided = await client.post(
        f"/projects/{idk}/versions", json={"kind": "decided", "reason": "x", "lines": lines}, headers=pm
    )
    assert decided.status_code == 201 and decided.json()["status"] == "pending_decision"
    assert decided.json()["needs_decision_by"] == ["funder"]
    declared = await client.post(
        f"/projects/{idk}/versions",
        json={"kind": "amended", "reason": "y", "substantial": True, "lines": lines},
        headers=pm,
    )
    assert declared.json()["needs_decision_by"] == ["city_board"]
    assert declared.json()["review"]["fired"] == ["declared_substantial"]
    for number in (decided.json()["number"], declared.json()["number"]):
        refused = await client.post(f"/projects/{idk}/versions/{number}/make-current", headers=pm)
        assert refused.status_code == 409
    rejected = await client.post(
        f"/projects/{idk}/versions/{declared.json()['number']}/decisions",
        json=BOARD | {"outcome": "rejected"},
        headers=pm,
    )
    assert rejected.status_code == 201
    again = await client.post(
        f"/projects/{idk}/versions/{declared.json()['number']}/make-current", headers=pm
    )
    assert again.status_code == 409 and again.json()["type"].endswith("/version-rejected")
    # only the project's managers record decisions; finance and the auditor do not
    for role in (auth("finance", implementer=KUOPIO), auth("auditor"), auth("steering")):
        assert (
            await client.post(
                f"/projects/{idk}/versions/{decided.json()['number']}/decisions", json=FUNDER, headers=role
            )
        ).status_code == 403


async def test_plan_changes_fire_their_rules(client: httpx.AsyncClient, auth: Auth, idk: str) -> None:
    pm = auth("project_manager")
    lines = await lines_of(client, idk, 2, pm)
    project = (await client.get(f"/projects/{idk}", headers=pm)).json()
    cases: list[tuple[dict[str, Any], str]] = [
        ({"period_end": "2023-06-30"}, "period_extended"),
        (
            {
                "funding_sources": [
                    {"code": "esr", "name": "ESR", "kind": "esr", "share_percent": "75"},
                    {"code": "own", "name": "Oma", "kind": "own", "share_percent": "25"},
                ]
            },
            "funding_changed",
        ),
        ({"own_funding_caps": [{"implementer": KUOPIO, "cap": "250000.00"}]}, "funding_changed"),
        (
            {
                "implementers": [
                    {"business_id": KUOPIO, "name": "Kuopion kaupunki", "role": "lead"},
                    {"business_id": SAVONIA, "name": "Savonia", "role": "co"},
                    {"business_id": "1234567-8", "name": "Uusi", "role": "co"},
                ]
            },
            "implementer_changed",
        ),
        ({"objectives": project["objectives"][:3]}, "objectives_changed"),
        ({"pilots_min": 2}, "portfolio_changed"),
    ]
    for plan, rule in cases:
        made = await client.post(
            f"/projects/{idk}/versions",
            json={"kind": "amended", "reason": rule, "lines": lines, "plan": plan},
            headers=pm,
        )
        assert made.status_code == 201, made.text
        assert set(fired(made.json())) == {rule}, (rule, made.json()["review"])
        assert made.json()["status"] == "pending_decision"
    # a period changed directly would bypass the rules: it is refused while a version is in force
    etag = (await client.get(f"/projects/{idk}", headers=pm)).headers["etag"]
    direct = await client.patch(
        f"/projects/{idk}", json={"period_end": "2023-06-30"}, headers=pm | {"If-Match": etag}
    )
    assert direct.status_code == 409 and direct.json()["type"].endswith("/period-governed")


async def test_rules_are_data_per_project(client: httpx.AsyncClient, auth: Auth, idk: str) -> None:
    pm = auth("project_manager")
    rules = (await client.get(f"/projects/{idk}/governance/rules", headers=auth("steering"))).json()
    shift = next(r for r in rules["rules"] if r["code"] == "category_shift")
    assert shift["threshold_percent"] == "10.00" and shift["decided_by"] == "funder"
    # Kuopio's 2021 travel moved to rents: about a fifth of the project's travel, so substantial ...
    lines = await lines_of(client, idk, 2, pm)
    travel = next(
        x for x in lines if (x["implementer"], x["year"], x["category"]) == (KUOPIO, 2021, "travel")
    )
    moved = travel["amount"]
    shifted = change(change(lines, KUOPIO, 2021, "travel", f"-{moved}"), KUOPIO, 2021, "rents", moved)
    body = {"kind": "amended", "reason": "siirto", "lines": shifted, "make_current": False}
    first = (await client.post(f"/projects/{idk}/versions", json=body, headers=pm)).json()
    assert set(fired(first)) == {"category_shift"}
    # ... unless the project's rule says 50 %
    put = await client.put(
        f"/projects/{idk}/governance/rules",
        json={"rules": [{"code": "category_shift", "decided_by": "funder", "threshold_percent": "50"}]},
        headers=pm,
    )
    assert (
        put.status_code == 200
        and {r["code"]: r for r in put.json()["rules"]}["category_shift"]["threshold_percent"] == "50.00"
    )
    second = (await client.post(f"/projects/{idk}/versions", json=body, headers=pm)).json()
    assert fired(second) == {} and second["status"] == "approved"
    bad = await client.put(
        f"/projects/{idk}/governance/rules",
        json={"rules": [{"code": "nope", "decided_by": "funder"}]},
        headers=pm,
    )
    assert bad.status_code == 422
    valid = {"rules": [{"code": "category_shift", "decided_by": "funder", "threshold_percent": "5"}]}
    for role in (auth("steering"), auth("finance", implementer=KUOPIO), auth("auditor")):
        refused = await client.put(f"/projects/{idk}/governance/rules", json=valid, headers=role)
        assert refused.status_code == 403
    trail = (await client.get("/audit?entity_type=governance_rules", headers=auth("auditor"))).json()["items"]
    assert [e["action"] for e in trail] == ["replace"]
