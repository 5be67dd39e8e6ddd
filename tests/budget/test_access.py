"""The object rules of the budget service, tried as the wrong owner (issue 9).

Finance of the other implementer, a pilot owner of another pilot, steering (no personal data), the
auditor (reads all, writes nothing), a finance officer of an organisation outside the project.
On the code before, Savonia's finance read Kuopio's amounts per pilot, its figures showed Kuopio's
costs, and steering saw who made each budget version.
"""

from __future__ import annotations

import ast
import csv
import io
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.budget.conftest import KUOPIO, PILOT_A, PILOT_B, PILOT_ELSEWHERE, SAVONIA, PilotsStub, entry, fresh

Auth = Callable[..., dict[str, str]]
ROUTES = Path(__file__).resolve().parents[2] / "services" / "budget" / "budget"


async def book_both(client: httpx.AsyncClient, auth: Auth, idk: str) -> tuple[dict[str, str], dict[str, str]]:
    kuopio, savonia = auth("finance", implementer=KUOPIO), auth("finance", implementer=SAVONIA)
    for body, who in (
        (entry(voucher_ref="K1", pilot_id=PILOT_A, entry_date="2020-02-03", amount="1000.00"), kuopio),
        (entry(voucher_ref="K2", pilot_id=PILOT_B, entry_date="2020-02-04", amount="300.00"), kuopio),
        (entry(voucher_ref="S1", implementer=SAVONIA, entry_date="2020-03-01", amount="200.00"), savonia),
    ):
        r = await client.post(f"/projects/{idk}/costs", json=body, headers=who)
        assert r.status_code == 201, r.text
    return kuopio, savonia


async def test_costs_by_pilot_finance_sees_only_its_own(
    client: httpx.AsyncClient, auth: Auth, idk: str
) -> None:
    kuopio, savonia = await book_both(client, auth, idk)
    theirs = (await client.get(f"/projects/{idk}/costs/by-pilot/{PILOT_A}", headers=savonia)).json()
    assert theirs["total"] == "0.00" and theirs["entries"] == 0 and theirs["by_category"] == []
    assert theirs["scope"] == {"implementer": SAVONIA}
    mine = (await client.get(f"/projects/{idk}/costs/by-pilot/{PILOT_A}", headers=kuopio)).json()
    assert mine["total"] == "1170.00" and mine["entries"] == 1


async def test_costs_by_pilot_only_for_its_owner(
    client: httpx.AsyncClient, auth: Auth, idk: str, pilots_stub: PilotsStub
) -> None:
    await book_both(client, auth, idk)
    owner_a = auth("pilot_owner", subject="owner-a")
    own = await client.get(f"/projects/{idk}/costs/by-pilot/{PILOT_A}", headers=owner_a)
    assert own.status_code == 200 and own.json()["total"] == "1170.00"
    assert ("/pilots/" + PILOT_A + "/relation", "owner-a") in pilots_stub.calls  # asked as the caller
    other = await client.get(f"/projects/{idk}/costs/by-pilot/{PILOT_B}", headers=owner_a)
    assert other.status_code == 403 and other.json()["type"].endswith("/not-pilot-owner")
    elsewhere = await client.get(
        f"/projects/{idk}/costs/by-pilot/{PILOT_ELSEWHERE}", headers=auth("pilot_owner", subject="owner-x")
    )
    assert elsewhere.status_code == 403
    for role in ("admin", "project_manager", "auditor", "steering"):
        wide = await client.get(f"/projects/{idk}/costs/by-pilot/{PILOT_B}", headers=auth(role))
        assert wide.status_code == 200 and wide.json()["total"] == "351.00", role
    pilots_stub.down = True
    down = await client.get(f"/projects/{idk}/costs/by-pilot/{PILOT_A}", headers=owner_a)
    assert down.status_code == 503 and down.json()["type"].endswith("/peer-unavailable")


async def test_figures_of_finance_are_its_own_implementers(
    client: httpx.AsyncClient, auth: Auth, idk: str
) -> None:
    _, savonia = await book_both(client, auth, idk)
    summary = (await client.get(f"/projects/{idk}/summary", headers=savonia)).json()
    assert summary["scope"] == {"implementer": SAVONIA}
    assert summary["planned_total"] == "456840.00" and summary["actual_eligible"] == "234.00"
    assert summary["own_funding_caps"] == []  # the caps are Kuopio's
    for name in ("utilisation", "funding", "own-funding", "forecast"):
        body = (await client.get(f"/projects/{idk}/figures/{name}", headers=savonia)).json()
        assert body["scope"] == {"implementer": SAVONIA}, name
    utilisation = (await client.get(f"/projects/{idk}/figures/utilisation", headers=savonia)).json()
    assert {r["implementer"] for r in utilisation["rows"]} == {SAVONIA}
    assert utilisation["total"]["actual"] == "234.00"
    funding = (await client.get(f"/projects/{idk}/figures/funding", headers=savonia)).json()
    assert [f["implementer"] for f in funding["by_implementer"]] == [SAVONIA]
    whole = (await client.get(f"/projects/{idk}/summary", headers=auth("steering"))).json()
    assert whole["scope"] == {"implementer": None} and whole["actual_eligible"] == "1755.00"


async def test_ledger_lists_and_exports_are_scoped(client: httpx.AsyncClient, auth: Auth, idk: str) -> None:
    kuopio, savonia = await book_both(client, auth, idk)
    listed = (await client.get(f"/projects/{idk}/costs", headers=savonia)).json()["items"]
    assert [e["voucher_ref"] for e in listed] == ["S1"]
    exported = await client.get(f"/projects/{idk}/ledger/export", headers=savonia)
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    assert [r[0] for r in rows[1:]] == ["S1"]
    theirs = await client.get(f"/projects/{idk}/ledger/export?implementer={KUOPIO}", headers=savonia)
    assert theirs.status_code == 403
    entry_id = next(
        e["id"] for e in (await client.get(f"/projects/{idk}/costs", headers=kuopio)).json()["items"]
    )
    patch = await client.patch(
        f"/projects/{idk}/costs/{entry_id}", json={"amount": "1.00"}, headers=savonia | {"If-Match": '"v1"'}
    )
    assert patch.status_code == 403


async def test_budget_lines_and_caps_of_finance_are_its_own(
    client: httpx.AsyncClient, auth: Auth, idk: str
) -> None:
    savonia = auth("finance", implementer=SAVONIA)
    version = (await client.get(f"/projects/{idk}/versions/2", headers=savonia)).json()
    assert {line["implementer"] for line in version["lines"]} == {SAVONIA}
    assert version["total"] != "0.00" and version["plan"]["own_funding_caps"] == []
    project = (await client.get(f"/projects/{idk}", headers=savonia)).json()
    assert project["own_funding_caps"] == []
    assert (
        len((await client.get(f"/projects/{idk}", headers=auth("auditor"))).json()["own_funding_caps"]) == 4
    )


async def test_finance_of_an_outside_organisation_reaches_nothing(
    client: httpx.AsyncClient, auth: Auth, idk: str
) -> None:
    outsider = auth("finance", implementer="9999999-9")
    assert (await client.get("/projects", headers=outsider)).json()["items"] == []
    for path in ("", "/summary", "/costs", "/versions", "/claims", "/figures/utilisation"):
        r = await client.get(f"/projects/{idk}{path}", headers=outsider)
        assert r.status_code == 403 and r.json()["type"].endswith("/not-an-implementer"), path
    assert (await client.get("/projects", headers=auth("finance", implementer=SAVONIA))).json()["items"][0][
        "code"
    ] == idk


async def test_co_implementer_sees_its_part_of_the_claims(
    client: httpx.AsyncClient, auth: Auth, idk: str
) -> None:
    kuopio, savonia = await book_both(client, auth, idk)
    made = await client.post(
        f"/projects/{idk}/claims",
        json={"period_start": "2020-01-01", "period_end": "2020-06-30"},
        headers=kuopio,
    )
    assert made.status_code == 201 and made.json()["entries"] == 3
    url = f"/projects/{idk}/claims/1"
    assert (
        await client.post(
            f"{url}/status", json={"status": "submitted"}, headers=await fresh(client, url, kuopio)
        )
    ).status_code == 200
    for headers in (savonia,):
        listed = (await client.get(f"/projects/{idk}/claims", headers=headers)).json()["items"]
        assert [c["number"] for c in listed] == [1]
        part = listed[0]
        assert part["scope"] == {"implementer": SAVONIA} and part["entries"] == 1
        assert (
            part["costs"] == "200.00" and part["eligible"] == "234.00" and part["claimable_esr"] == "187.20"
        )
        assert [i["implementer"] for i in part["by_implementer"]] == [SAVONIA]
    whole = (await client.get(url, headers=kuopio)).json()
    assert (
        whole["scope"] == {"implementer": None} and whole["entries"] == 3 and whole["eligible"] == "1755.00"
    )
    exported = await client.get(f"{url}/export", headers=savonia)
    text = exported.content.decode("utf-8-sig")
    assert "S1" in text and "K1" not in text and "K2" not in text
    check = (await client.get(f"{url}/verify", headers=savonia)).json()
    assert check["consistent"] is True and check["checked_entries"] == 1
    # the co-implementer reads its part; it does not file claims
    assert (
        await client.post(
            f"{url}/status", json={"status": "approved"}, headers=await fresh(client, url, savonia)
        )
    ).status_code == 403
    assert (
        await client.post(
            f"/projects/{idk}/claims",
            json={"period_start": "2020-07-01", "period_end": "2020-07-31"},
            headers=savonia,
        )
    ).status_code == 403


async def test_the_auditor_reads_everything_and_writes_nothing(
    client: httpx.AsyncClient, auth: Auth, idk: str
) -> None:
    await book_both(client, auth, idk)
    auditor = auth("auditor")
    for path in (
        "/costs",
        "/versions",
        "/claims",
        "/summary",
        "/baseline",
        "/governance/rules",
        "/period-locks",
    ):
        assert (await client.get(f"/projects/{idk}{path}", headers=auditor)).status_code == 200, path
    writes = [
        ("POST", f"/projects/{idk}/costs", entry(voucher_ref="A1")),
        ("POST", f"/projects/{idk}/claims", {"period_start": "2020-01-01", "period_end": "2020-01-31"}),
        (
            "POST",
            f"/projects/{idk}/versions/2/decisions",
            {"body": "funder", "decided_on": "2021-01-01", "reference": "x"},
        ),
        (
            "POST",
            f"/projects/{idk}/period-locks",
            {"period_start": "2020-01-01", "period_end": "2020-01-31", "reason": "x"},
        ),
        ("POST", f"/projects/{idk}/versions/1/make-current", None),
    ]
    for method, path, body in writes:
        r = await client.request(method, path, json=body, headers=auditor)
        assert r.status_code == 403, (path, r.text)


async def test_steering_sees_no_person(client: httpx.AsyncClient, auth: Auth, idk: str) -> None:
    pm = auth("project_manager", subject="hp-person-1")
    lines = (await client.get(f"/projects/{idk}/versions/2", headers=pm)).json()["lines"]
    body = {
        "kind": "amended",
        "reason": "Hankepäällikkö Maija Meikäläinen: siirto",
        "lines": [{k: line[k] for k in ("implementer", "year", "category", "amount")} for line in lines],
        "note": "puh. 040 123",
    }
    assert (await client.post(f"/projects/{idk}/versions", json=body, headers=pm)).status_code == 201
    steering = auth("steering")
    for path in ("/versions", "/versions/3", "/baseline", "/baseline/history", "/versions/2/decisions"):
        text = (await client.get(f"/projects/{idk}{path}", headers=steering)).text
        assert "hp-person-1" not in text and "Meikäläinen" not in text and "040 123" not in text, path
        assert "seed" not in text, path  # the seed is the actor of versions 1 and 2
    assert "hp-person-1" in (await client.get(f"/projects/{idk}/versions/3", headers=pm)).text


def test_no_route_module_holds_a_query() -> None:
    """Routes call the concepts' service functions; queries live in the repositories (issue 9)."""
    modules = sorted(ROUTES.rglob("routes*.py"))
    assert len(modules) >= 6, modules
    banned_modules = ("sqlalchemy", "sqlmodel")
    banned_calls = {"select", "exec", "execute", "get", "scalar", "scalars"}
    for path in modules:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                assert not (node.module or "").startswith(banned_modules), (
                    f"{path.name} imports {node.module}"
                )
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith(banned_modules) for a in node.names), path.name
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                target = node.func.value
                if isinstance(target, ast.Name) and target.id == "session":
                    assert node.func.attr not in banned_calls, f"{path.name}: session.{node.func.attr}"
