"""The budget service's ``/metrics``: payment claims by status and its audit trail's size."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from tests.budget.conftest import KUOPIO, entry
from tests.libs.test_metrics import value

Auth = Callable[..., dict[str, str]]


async def test_claims_by_status_and_audit_size_are_scraped(
    client: httpx.AsyncClient, auth: Auth, idk: str
) -> None:
    admin, lead = auth("admin"), auth("finance", implementer=KUOPIO, subject="kirsi")
    before = (await client.get("/metrics", headers=admin)).text
    assert value(before, "hanke_claims", app="budget", status="draft") == 0
    booked = await client.post(f"/projects/{idk}/costs", json=entry(entry_date="2020-02-03"), headers=lead)
    assert booked.status_code == 201, booked.text
    for period in (("2020-01-01", "2020-06-30"), ("2020-07-01", "2020-12-31")):
        claim = {"period_start": period[0], "period_end": period[1]}
        assert (await client.post(f"/projects/{idk}/claims", json=claim, headers=lead)).status_code == 201
    after = (await client.get("/metrics", headers=admin)).text
    assert value(after, "hanke_claims", app="budget", status="draft") == 2
    audit = (await client.get("/audit", params={"limit": 200}, headers=admin)).json()
    assert value(after, "hanke_audit_entries", app="budget") == len(audit["items"]) > 0
    assert (await client.get("/metrics", headers=lead)).status_code == 403


async def test_ledger_imports_count_rows_and_rejections(
    client: httpx.AsyncClient, auth: Auth, idk: str
) -> None:
    from tests.budget.test_import import HEADER, upload

    admin, fin = auth("admin"), auth("finance", implementer=KUOPIO)
    labels = {"app": "budget", "kind": "ledger"}
    good = (
        HEADER
        + "M-1;3.2.2020;4000;Palkat;1721;S21894;ok;100,00;\r\nM-2;4.2.2020;4000;Palkat;1721;S21894;ok;5,00;"
    ).encode()
    bad = (HEADER + "M-3;31.2.2020;4000;Palkat;1721;S21894;impossible date;100,00;").encode()
    before = (await client.get("/metrics", headers=admin)).text
    assert (await upload(client, idk, fin, good, dry_run=False)).status_code == 200
    assert (await upload(client, idk, fin, bad, dry_run=False)).status_code == 422
    after = (await client.get("/metrics", headers=admin)).text

    def grew(name: str, **more: str) -> float:  # counters are the process's: compare before and after
        return value(after, name, **labels, **more) - value(before, name, **labels, **more)

    assert grew("hanke_import_rows_total", result="accepted") == 2
    assert grew("hanke_import_rows_total", result="rejected") == 1
    assert grew("hanke_imports_total", outcome="committed") == 1
    assert grew("hanke_imports_total", outcome="rejected") == 1
