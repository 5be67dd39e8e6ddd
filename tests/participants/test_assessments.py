"""Assessments: scale validation, who may answer, aggregates with the small-group rule, change, situation."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from tests.participants.helpers import close, make_people, reopen

Auth = Callable[..., dict[str, str]]
SELF = "kunta-itsearvio"
ITEMS = ["P1", "P2", "P3", "P4", "P5", "P6", "K1", "K2", "K3", "K4", "K5", "K6"]


async def rounds(client: httpx.AsyncClient, auth: Auth, framework: str) -> dict[str, int]:
    all_rounds = (
        await client.get("/rounds", params={"project_code": "S21894"}, headers=auth("admin"))
    ).json()["items"]
    return {r["kind"]: r["id"] for r in all_rounds if r["framework_code"] == framework}


async def answer(client: httpx.AsyncClient, auth: Auth, round_id: int, person: str, value: int) -> None:
    body = {"person_id": person, "answers": [{"item_code": c, "value": value} for c in ITEMS]}
    response = await client.post(f"/rounds/{round_id}/answers", json=body, headers=auth("project_manager"))
    assert response.status_code == 200, response.text


async def test_seeded_frameworks(client: httpx.AsyncClient, auth: Auth, seeded: None) -> None:
    digcomp = (await client.get("/frameworks/digcomp-2.2", headers=auth("champion"))).json()
    assert len(digcomp["areas"]) == 5 and sum(len(a["items"]) for a in digcomp["areas"]) == 21
    assert (digcomp["scale_min"], digcomp["scale_max"], len(digcomp["level_labels"])) == (1, 8, 8)
    municipal = (await client.get(f"/frameworks/{SELF}", headers=auth("champion"))).json()
    assert sum(len(a["items"]) for a in municipal["areas"]) == 12 and municipal["scale_max"] == 5
    maturity = (await client.get("/frameworks/digital-maturity-5", headers=auth("steering"))).json()
    assert maturity["subject"] == "org_unit" and len(maturity["level_labels"]) == 5
    assert set(await rounds(client, auth, SELF)) == {"baseline", "interim", "final"}


async def test_answers_validated_and_champion_answers_only_own(
    client: httpx.AsyncClient, auth: Auth, seeded: None
) -> None:
    people = await make_people(client, auth, {"HE": 2})
    me, other = people["HE"]
    baseline = (await rounds(client, auth, "digcomp-2.2"))["baseline"]
    champion = auth("champion", person_id=me)
    closed = await client.post(
        f"/rounds/{baseline}/answers", headers=champion, json={"answers": [{"item_code": "1.1", "value": 8}]}
    )
    assert closed.status_code == 409 and closed.json()["type"].endswith("/round-closed")
    await reopen(client, auth, baseline)
    bad = await client.post(
        f"/rounds/{baseline}/answers",
        headers=champion,
        json={
            "answers": [
                {"item_code": "1.1", "value": 9},
                {"item_code": "9.9", "value": 3},
                {"item_code": "2.1", "value": 0},
            ]
        },
    )
    assert bad.status_code == 422
    assert [e["name"] for e in bad.json()["errors"]] == [
        "body.answers.0.value",
        "body.answers.1.item_code",
        "body.answers.2.value",
    ]
    ok = await client.post(
        f"/rounds/{baseline}/answers",
        headers=champion,
        json={"answers": [{"item_code": "1.1", "value": 8}, {"item_code": "5.4", "value": 1}]},
    )
    assert ok.status_code == 200 and ok.json()["saved"] == 2
    again = await client.post(
        f"/rounds/{baseline}/answers", headers=champion, json={"answers": [{"item_code": "1.1", "value": 7}]}
    )
    assert again.status_code == 200
    mine = (await client.get("/me", headers=champion)).json()["answers"]
    assert [(a["item_code"], a["value"]) for a in mine] == [("1.1", 7), ("5.4", 1)]
    for_other = await client.post(
        f"/rounds/{baseline}/answers",
        headers=champion,
        json={"person_id": other, "answers": [{"item_code": "1.1", "value": 3}]},
    )
    assert for_other.status_code == 403
    maturity = (await rounds(client, auth, "digital-maturity-5"))["baseline"]
    assert (
        await client.post(
            f"/rounds/{maturity}/answers",
            headers=champion,
            json={"answers": [{"item_code": "S1", "value": 3}]},
        )
    ).status_code == 403


async def test_aggregates_fold_small_units_and_suppress(
    client: httpx.AsyncClient, auth: Auth, seeded: None
) -> None:
    people = await make_people(client, auth, {"KO-PO-01": 4, "KO-PO": 7, "KO-VK": 12, "HE": 3})
    r = await rounds(client, auth, SELF)
    await reopen(client, auth, r["baseline"])
    await reopen(client, auth, r["interim"])
    for unit, ids in people.items():
        for pid in ids:
            await answer(client, auth, r["baseline"], pid, 2)
            await answer(client, auth, r["interim"], pid, 4 if unit == "KO-VK" else 3)
    steering = auth("steering")
    still_open = await client.get(f"/rounds/{r['baseline']}/aggregates", headers=steering)
    assert still_open.status_code == 409 and still_open.json()["type"].endswith("/round-open")
    await close(client, auth, r["baseline"])
    await close(client, auth, r["interim"])
    by_unit = (
        await client.get(f"/rounds/{r['baseline']}/aggregates", params={"by": "org_unit"}, headers=steering)
    ).json()
    groups = {g["group"]: g for g in by_unit["groups"]}
    assert groups["KO-PO-01"]["suppressed"] and groups["KO-PO-01"]["folded_into"] == "KO-PO"
    assert groups["KO-PO-01"]["respondents"] is None and groups["KO-PO-01"]["mean"] is None
    assert groups["KO-PO"]["respondents"] == 11 and groups["KO-PO"]["includes"] == ["KO-PO-01"]
    assert groups["KO-VK"]["respondents"] == 12 and groups["KO-VK"]["mean"] == 2.0
    assert (
        groups["HE"]["suppressed"]
        and groups["HE"]["respondents"] is None
        and groups["HE"]["folded_into"] is None
    )
    by_sector = (await client.get(f"/rounds/{r['interim']}/aggregates", headers=steering)).json()
    sectors = {g["group"]: g for g in by_sector["groups"]}
    assert sectors["Kasvu"]["respondents"] == 23 and sectors["Kasvu"]["mean"] == round(
        (12 * 4 + 11 * 3) / 23, 2
    )
    assert sectors["Hyvinvointi"]["suppressed"] and sectors["Hyvinvointi"]["mean"] is None

    change = (
        await client.get(f"/frameworks/{SELF}/change", params={"project_code": "S21894"}, headers=steering)
    ).json()["items"]
    rows = {c["group"]: c for c in change}
    assert rows["Kasvu"]["change"] == round((12 * 4 + 11 * 3) / 23 - 2, 2) and not rows["Kasvu"]["suppressed"]
    assert rows["Hyvinvointi"]["suppressed"] and rows["Hyvinvointi"]["change"] is None

    unit_id = next(
        u["id"]
        for u in (await client.get("/org-units", headers=steering)).json()["items"]
        if u["code"] == "HE"
    )
    maturity = (await rounds(client, auth, "digital-maturity-5"))["baseline"]
    await reopen(client, auth, maturity)
    saved = await client.post(
        f"/rounds/{maturity}/answers",
        headers=auth("project_manager"),
        json={
            "org_unit_id": unit_id,
            "answers": [{"item_code": "S1", "value": 3}, {"item_code": "D1", "value": 5}],
        },
    )
    assert saved.status_code == 200, saved.text
    await close(client, auth, maturity)

    situation = (await client.get("/projects/S21894/situation", headers=steering)).json()
    competence = {(c["sector"], c["round"]): c for c in situation["competence"] if c["framework"] == SELF}
    assert competence[("Kasvu", "Baseline 2020")]["respondents"] == 23
    assert competence[("Hyvinvointi", "Interim 2021")]["suppressed"] is True
    assert competence[("Hyvinvointi", "Interim 2021")]["mean"] is None
    assert {c["sector"] for c in situation["competence_change"]} == {"Kasvu", "Hyvinvointi"}
    assert situation["maturity_by_sector"] == [
        {
            "framework": "digital-maturity-5",
            "sector": "Hyvinvointi",
            "round": "Baseline 2020",
            "units": 1,
            "mean": 4.0,
        }
    ]
    assert "10" in situation["small_group_rule"]
    text = str(situation)
    assert "person" not in text.lower() and all(pid not in text for ids in people.values() for pid in ids)
    assert (await client.get("/projects/S21894/situation", headers=auth("champion"))).status_code == 403
