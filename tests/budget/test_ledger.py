"""The cost ledger: booking, bad input, access per role, locks, concurrency."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from budget.config import Settings
from budget.main import create_app
from hanke_libs.testing import running
from tests.budget.conftest import KUOPIO, SAVONIA, entry, fresh, local
from tests.budget.test_projects import NEW

Auth = Callable[..., dict[str, str]]


async def test_book_read_change_delete(client: httpx.AsyncClient, auth: Auth, idk: str) -> None:
    fin = auth("finance", implementer=KUOPIO)
    r = await client.post(
        f"/projects/{idk}/costs", json=entry(vat_treatment="excluded_recoverable"), headers=fin
    )
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["amount"] == "1000.00" and created["flat_amount"] == "170.00"
    assert created["eligible_effect"] == "1170.00" and created["locked"] is False
    url = local(r.headers["location"])
    got = await client.get(url, headers=fin)
    assert got.headers["etag"] == '"v1"' and got.json()["voucher_ref"] == "V-1"
    stale = await client.patch(url, json={"amount": "900.00"}, headers=fin | {"If-Match": '"v7"'})
    assert stale.status_code == 412
    changed = await client.patch(url, json={"amount": "900.00"}, headers=fin | {"If-Match": '"v1"'})
    assert changed.status_code == 200 and changed.json()["flat_amount"] == "153.00"
    assert changed.headers["etag"] == '"v2"'
    assert (await client.delete(url, headers=fin)).status_code == 428
    assert (await client.delete(url, headers=fin | {"If-Match": '"v1"'})).status_code == 412
    assert (await client.delete(url, headers=fin | {"If-Match": '"v2"'})).status_code == 204
    assert (await client.get(url, headers=fin)).status_code == 404
    trail = (await client.get("/audit?entity_type=cost_entry", headers=auth("auditor"))).json()["items"]
    assert [e["action"] for e in trail] == ["create", "update", "delete"]
    assert trail[1]["changes"]["amount"] == ["1000.00", "900.00"]


async def test_staff_hours_times_rate(client: httpx.AsyncClient, auth: Auth, idk: str) -> None:
    fin = auth("finance", implementer=KUOPIO)
    body = entry(amount=None, hours="37.5", annual_gross_cost="51600.00")
    r = await client.post(f"/projects/{idk}/costs", json=body, headers=fin)
    assert r.status_code == 201, r.text
    assert r.json()["hourly_rate"] == "30.00" and r.json()["amount"] == "1125.00"
    assert r.json()["flat_amount"] == "191.25"
    wrong = entry(voucher_ref="H2", amount="1.00", hours="2", hourly_rate="10.00")
    bad = await client.post(f"/projects/{idk}/costs", json=wrong, headers=fin)
    assert bad.status_code == 422 and "hours × hourly_rate" in bad.json()["detail"]


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"amount": "12.345"}, "amount", "decimal places"),
        ({"amount": "abc"}, "amount", "decimal"),
        ({"amount": "-5.00"}, "amount", "correction"),
        ({"amount": "0"}, "amount", "more than zero"),
        ({"entry_date": "2023-01-01"}, "entry_date", "outside the project period"),
        ({"entry_date": "2019-12-31"}, "entry_date", "outside the project period"),
        ({"category": "equipment"}, "category", "not in the budget version in force"),
        ({"category": "overheads"}, "category", "not in the budget version in force"),
        ({"category": "nonsense"}, "category", "not a cost category"),
        ({"kind": "income", "category": "staff"}, "category", "income"),
        ({"kind": "correction", "amount": "0.00"}, "amount", "zero"),
        ({"implementer": "1234567-8"}, "implementer", "not an implementer"),
        ({"voucher_ref": ""}, "voucher_ref", "at least 1"),
    ],
)
async def test_bad_input_is_a_precise_problem(
    client: httpx.AsyncClient, auth: Auth, idk: str, overrides: dict[str, object], field: str, words: str
) -> None:
    r = await client.post(f"/projects/{idk}/costs", json=entry(**overrides), headers=auth("admin"))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    errors = r.json()["errors"]
    assert any(e["name"].endswith(field) and words in e["reason"] for e in errors), errors
    assert (await client.get(f"/projects/{idk}/costs", headers=auth("admin"))).json()["items"] == []


async def test_correction_may_be_negative(client: httpx.AsyncClient, auth: Auth, idk: str) -> None:
    fin = auth("finance", implementer=KUOPIO)
    r = await client.post(
        f"/projects/{idk}/costs", json=entry(kind="correction", amount="-24.57"), headers=fin
    )
    assert r.status_code == 201 and r.json()["flat_amount"] == "-4.18"


async def test_duplicate_voucher_points_to_existing(client: httpx.AsyncClient, auth: Auth, idk: str) -> None:
    fin = auth("finance", implementer=KUOPIO)
    first = (await client.post(f"/projects/{idk}/costs", json=entry(), headers=fin)).json()
    again = await client.post(f"/projects/{idk}/costs", json=entry(amount="5.00"), headers=fin)
    assert again.status_code == 409
    problem = again.json()
    assert problem["existing_entry_id"] == first["id"] and problem["type"].endswith("/duplicate-voucher")
    assert f"entry {first['id']}" in problem["detail"]
    other = await client.post(
        f"/projects/{idk}/costs",
        json=entry(implementer=SAVONIA),
        headers=auth("finance", implementer=SAVONIA),
    )
    assert other.status_code == 201  # unique per implementer


async def test_finance_sees_and_books_only_its_own(client: httpx.AsyncClient, auth: Auth, idk: str) -> None:
    kuopio, savonia = auth("finance", implementer=KUOPIO), auth("finance", implementer=SAVONIA)
    mine = (await client.post(f"/projects/{idk}/costs", json=entry(), headers=kuopio)).json()
    theirs = await client.post(
        f"/projects/{idk}/costs", json=entry(implementer=SAVONIA, voucher_ref="S"), headers=savonia
    )
    assert theirs.status_code == 201
    assert (
        await client.post(f"/projects/{idk}/costs", json=entry(implementer=SAVONIA), headers=kuopio)
    ).status_code == 403
    listed = (await client.get(f"/projects/{idk}/costs", headers=kuopio)).json()["items"]
    assert [e["implementer"] for e in listed] == [KUOPIO]
    assert (
        await client.get(f"/projects/{idk}/costs?implementer={SAVONIA}", headers=kuopio)
    ).status_code == 403
    assert (await client.get(f"/projects/{idk}/costs/{mine['id']}", headers=savonia)).status_code == 403
    assert (
        await client.delete(f"/projects/{idk}/costs/{mine['id']}", headers=savonia | {"If-Match": '"v1"'})
    ).status_code == 403
    everything = (await client.get(f"/projects/{idk}/costs", headers=auth("auditor"))).json()["items"]
    assert len(everything) == 2
    # finance without its implementer in the token books nothing; roles without ledger access get 403
    no_impl = await client.post(
        f"/projects/{idk}/costs", json=entry(voucher_ref="X"), headers=auth("finance")
    )
    assert no_impl.status_code == 403
    for role in ("steering", "pilot_owner", "champion"):
        assert (await client.get(f"/projects/{idk}/costs", headers=auth(role))).status_code == 403
    for role in ("project_manager", "auditor", "steering"):
        assert (
            await client.post(f"/projects/{idk}/costs", json=entry(voucher_ref="Y"), headers=auth(role))
        ).status_code == 403


async def test_keyset_paging(client: httpx.AsyncClient, auth: Auth, idk: str) -> None:
    fin = auth("finance", implementer=KUOPIO)
    for n in range(5):
        await client.post(f"/projects/{idk}/costs", json=entry(voucher_ref=f"K{n}"), headers=fin)
    seen, url = [], f"/projects/{idk}/costs?limit=2"
    while True:
        page = (await client.get(url, headers=fin)).json()
        seen += [e["voucher_ref"] for e in page["items"]]
        if not page["next_cursor"]:
            break
        url = f"/projects/{idk}/costs?limit=2&cursor={page['next_cursor']}"
    assert seen == [f"K{n}" for n in range(5)]


async def test_period_lock(client: httpx.AsyncClient, auth: Auth, idk: str) -> None:
    fin, pm = auth("finance", implementer=KUOPIO), auth("project_manager", subject="pm")
    booked = (await client.post(f"/projects/{idk}/costs", json=entry(), headers=fin)).json()
    lock = await client.post(
        f"/projects/{idk}/period-locks",
        json={"period_start": "2021-01-01", "period_end": "2021-06-30", "reason": "Maksatushakemus 2/2021"},
        headers=pm,
    )
    assert lock.status_code == 201 and lock.json()["locked_by"] == "pm"
    blocked = await client.post(f"/projects/{idk}/costs", json=entry(voucher_ref="L2"), headers=fin)
    assert blocked.status_code == 409 and "Maksatushakemus 2/2021" in blocked.json()["detail"]
    v1 = fin | {"If-Match": '"v1"'}
    assert (await client.delete(f"/projects/{idk}/costs/{booked['id']}", headers=v1)).status_code == 409
    moved = await client.patch(
        f"/projects/{idk}/costs/{booked['id']}", json={"entry_date": "2021-08-01"}, headers=v1
    )
    assert moved.status_code == 409
    unlock = await client.post(
        f"/projects/{idk}/period-locks/{lock.json()['id']}/unlock", json={"reason": "Korjaus"}, headers=pm
    )
    assert (
        unlock.status_code == 200
        and unlock.json()["active"] is False
        and unlock.json()["unlock_reason"] == "Korjaus"
    )
    assert (
        await client.post(f"/projects/{idk}/costs", json=entry(voucher_ref="L2"), headers=fin)
    ).status_code == 201


async def test_read_one_entry(client: httpx.AsyncClient, auth: Auth, idk: str) -> None:
    """GET of one entry (a single fast read): body, ETag, 404s, the finance rule, the locked flag."""
    kuopio, savonia = auth("finance", implementer=KUOPIO), auth("finance", implementer=SAVONIA)
    created = await client.post(
        f"/projects/{idk}/costs",
        json=entry(amount=None, hours="37.5", hourly_rate="30.00", entry_date="2020-02-03", pilot_id="p-1"),
        headers=kuopio,
    )
    assert created.status_code == 201, created.text
    url = local(created.headers["location"])
    # what was stored, read back (POST echoes hours as given, "37.5"; the column keeps cents)
    body = created.json() | {"hours": "37.50"}
    for headers in (kuopio, auth("admin"), auth("auditor"), auth("project_manager")):
        got = await client.get(url, headers=headers)
        assert got.status_code == 200 and got.json() == body
        assert got.headers["etag"] == '"v1"'
    assert body["hours"] == "37.50" and body["hourly_rate"] == "30.00" and body["amount"] == "1125.00"
    assert body["created_at"].endswith(("Z", "+00:00")) and body["locked"] is False

    other = await client.get(url, headers=savonia)
    assert other.status_code == 403 and other.json()["type"].endswith("/other-implementer")
    assert other.headers["content-type"].startswith("application/problem+json")
    assert (await client.get(url, headers=auth("finance"))).status_code == 403  # no implementer
    for role in ("steering", "pilot_owner", "champion"):
        assert (await client.get(url, headers=auth(role))).status_code == 403
    assert (await client.get(url)).status_code == 401

    entry_id = body["id"]
    no_project = await client.get(f"/projects/S00000/costs/{entry_id}", headers=kuopio)
    assert no_project.status_code == 404 and no_project.json()["type"].endswith("/project-not-found")
    assert no_project.json()["detail"] == "No project with the code 'S00000'."
    no_entry = await client.get(f"/projects/{idk}/costs/{entry_id + 1000}", headers=savonia)
    assert no_entry.status_code == 404 and no_entry.json()["type"].endswith("/cost-entry-not-found")
    assert no_entry.json()["detail"] == f"Project {idk} has no cost entry {entry_id + 1000}."
    assert (await client.get(f"/projects/{idk}/costs/0", headers=kuopio)).status_code == 422
    other_project = await client.post("/projects", json=NEW, headers=auth("project_manager"))
    assert other_project.status_code == 201, other_project.text
    elsewhere = await client.get(f"/projects/{NEW['code']}/costs/{entry_id}", headers=auth("admin"))
    assert elsewhere.status_code == 404 and elsewhere.json()["type"].endswith("/cost-entry-not-found")

    changed = await client.patch(
        url, json={"description": "Palkat 2/2020"}, headers=kuopio | {"If-Match": '"v1"'}
    )
    got = await client.get(url, headers=kuopio)
    assert got.headers["etag"] == '"v2"' and got.json() == changed.json()

    claims = f"/projects/{idk}/claims"
    draft = await client.post(
        claims, json={"period_start": "2020-01-01", "period_end": "2020-06-30"}, headers=kuopio
    )
    assert draft.status_code == 201, draft.text
    in_draft = (await client.get(url, headers=kuopio)).json()
    assert in_draft["claim_id"] is not None and in_draft["locked"] is False
    number = draft.json()["number"]
    submitted = await client.post(
        f"{claims}/{number}/status",
        json={"status": "submitted"},
        headers=await fresh(client, f"{claims}/{number}", kuopio),
    )
    assert submitted.status_code == 200, submitted.text
    locked = await client.get(url, headers=kuopio)
    assert locked.json()["locked"] is True and locked.json()["claim_id"] == in_draft["claim_id"]
    listed = (await client.get(f"/projects/{idk}/costs", headers=kuopio)).json()["items"]
    assert listed == [locked.json()]


async def test_read_one_entry_opens_no_session(settings: Settings, auth: Auth, idk: str) -> None:
    """The single-entry read runs without a session (on PostgreSQL on the asyncpg read pool)."""
    app = create_app(settings)
    async with running(app) as client:
        fin = auth("finance", implementer=KUOPIO)
        url = local(
            (await client.post(f"/projects/{idk}/costs", json=entry(), headers=fin)).headers["location"]
        )
        db = app.state.db
        assert (db.fast_pool is not None) == (db.backend == "postgresql")

        def no_session(*args: object) -> None:
            raise AssertionError("a session was opened")

        db.session = no_session
        got = await client.get(url, headers=fin)
        assert got.status_code == 200 and got.json()["voucher_ref"] == "V-1"
        assert (await client.get(f"{url}9", headers=fin)).status_code == 404
        assert (await client.get(f"/projects/{idk}/costs", headers=fin)).status_code == 500
