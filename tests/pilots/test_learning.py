"""The learning loop: reflection questions as data, answers per pilot, private answers kept in the
team, and what was learned exported for the interim evaluation (issue 11 part 3)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import httpx
from openpyxl import load_workbook

from tests.pilots.helpers import (
    OWNER,
    PROJECT,
    approve,
    create_pilot,
    evaluated_pilot,
    move,
    question_ids,
    scale_up,
)
from tests.pilots.participants_stub import ParticipantsStub

Auth = Callable[..., dict[str, str]]


async def test_questions_are_data_in_finnish_and_english(client: httpx.AsyncClient, auth: Auth) -> None:
    pm = auth("project_manager")
    page = (
        await client.get("/reflection-questions", params={"gate": "evaluated"}, headers=auth("steering"))
    ).json()
    assert [q["text_fi"] for q in page["items"]][:2] == ["Mitä oletimme?", "Mitä tapahtui?"]
    assert page["total"] == 6 and all(q["required"] for q in page["items"])
    body = {
        "code": "approved.budget",
        "gate": "approved",
        "text_fi": "Mitä kokeilu maksaa?",
        "text_en": "What does it cost?",
        "required": True,
    }
    assert (
        await client.post("/reflection-questions", json=body, headers=auth("pilot_owner"))
    ).status_code == 403
    made = await client.post("/reflection-questions", json=body, headers=pm)
    assert made.status_code == 201 and made.headers["location"] == made.json()["href"]
    assert (await client.post("/reflection-questions", json=body, headers=pm)).status_code == 409
    control = await client.post(
        "/reflection-questions", json={**body, "code": "x", "text_en": "Bad \u0001 text"}, headers=pm
    )
    assert control.status_code == 422
    # a required question of the approval gate now holds approval back
    pilot = await create_pilot(client, pm, "Costed", **{"need": "n"})
    await move(client, pm, pilot["id"], "planned")
    gate = (await client.get(f"/pilots/{pilot['id']}/next-gate", headers=pm)).json()
    assert "reflections" in [m["code"] for m in gate["missing"]]
    retired = await client.patch(
        f"/reflection-questions/{made.json()['id']}", json={"active": False}, headers=pm
    )
    assert retired.status_code == 200 and retired.json()["active"] is False
    gate = (await client.get(f"/pilots/{pilot['id']}/next-gate", headers=pm)).json()
    assert "reflections" not in [m["code"] for m in gate["missing"]]


async def test_private_answers_stay_in_the_pilot_team(
    client: httpx.AsyncClient, auth: Auth, participants: ParticipantsStub
) -> None:
    owner = auth("pilot_owner", subject=OWNER)
    pilot = await create_pilot(client, owner, "Reflective")
    pid = pilot["id"]
    participants.enrol("champ-1", pid)
    ids = await question_ids(client, owner)
    private, public = ids["evaluated.surprised"], ids["evaluated.evidence"]
    champion = auth("champion", subject="champ-1")
    first = await client.put(
        f"/pilots/{pid}/reflections/{private}", json={"answer": "Meetings ran long."}, headers=champion
    )
    assert first.status_code == 201 and first.headers["location"] == first.json()["href"]
    assert first.json()["answered_by"] == "champ-1"
    again = await client.put(
        f"/pilots/{pid}/reflections/{private}", json={"answer": "Second try"}, headers=owner
    )
    assert again.status_code == 428
    stale = await client.put(
        f"/pilots/{pid}/reflections/{private}", json={"answer": "x"}, headers={**owner, "If-Match": '"v9"'}
    )
    assert stale.status_code == 412
    read = await client.get(f"/pilots/{pid}/reflections/{private}", headers=owner)
    replaced = await client.put(
        f"/pilots/{pid}/reflections/{private}",
        json={"answer": "Meetings ran long; we cut them."},
        headers={**owner, "If-Match": read.headers["ETag"]},
    )
    assert replaced.status_code == 200 and replaced.json()["version"] == 2
    assert (
        await client.put(f"/pilots/{pid}/reflections/{public}", json={"answer": "It works."}, headers=owner)
    ).status_code == 201
    outsider = await client.put(
        f"/pilots/{pid}/reflections/{public}", json={"answer": "x"}, headers=auth("pilot_owner", subject="o2")
    )
    assert outsider.status_code == 403
    for headers, sees in (
        (owner, True),
        (champion, True),
        (auth("project_manager"), True),
        (auth("admin"), True),
        (auth("pilot_owner", subject="o2"), False),
        (auth("auditor"), False),
    ):
        items = {
            r["code"]: r
            for r in (await client.get(f"/pilots/{pid}/reflections", headers=headers)).json()["items"]
        }
        hidden = items["evaluated.surprised"]
        assert hidden["answered"] is True and hidden["answer_hidden"] is (not sees)
        assert (hidden["answer"] == "Meetings ran long; we cut them.") is sees
        assert items["evaluated.evidence"]["answer"] == "It works."
    steering = {
        r["code"]: r
        for r in (await client.get(f"/pilots/{pid}/reflections", headers=auth("steering"))).json()["items"]
    }
    assert (
        steering["evaluated.evidence"]["answer"] is None
        and steering["evaluated.evidence"]["answered"] is True
    )
    trail = (
        await client.get("/audit", headers=auth("auditor"), params={"entity_type": "reflection_answer"})
    ).json()["items"]
    assert [e["changes"]["answer"] for e in trail] == ["<private answer>", "<private answer>", "It works."]


def _csv(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


async def test_what_was_learned_is_exported(client: httpx.AsyncClient, auth: Auth) -> None:
    pm = auth("project_manager")
    pilot = await evaluated_pilot(client, pm, "Learned", owner_id=OWNER)
    assert (
        await client.post(
            f"/pilots/{pilot['id']}/decisions", json=scale_up(pilot["measurement_id"]), headers=pm
        )
    ).status_code == 201
    unrelated = await approve(client, pm, (await create_pilot(client, pm, "Unrelated"))["id"])
    assert unrelated.status_code == 409  # a refused approval records no decision
    rows = _csv(await client.get(f"/projects/{PROJECT}/learning/export", headers=pm))
    decisions = [r for r in rows if r["record"] == "decisions"]
    assert [(r["pilot_title"], r["gate"], r["item"]) for r in decisions] == [
        ("Learned", "approval", "approved"),
        ("Learned", "evaluation", "scale_up"),
    ]
    assert (
        decisions[1]["text"] == "Reply times halved and staff want to keep it."
        and decisions[1]["reference"] == "Ohjausryhmä 4/2021, § 3"
    )
    answers = [r for r in rows if r["record"] == "reflections"]
    assert len(answers) == 6 and answers[0]["item"] == "What did we assume?"
    assert answers[0]["text"] == "Our answer to evaluated.assumed."
    other_owner = _csv(
        await client.get(f"/projects/{PROJECT}/learning/export", headers=auth("pilot_owner", subject="o2"))
    )
    private = [r for r in other_owner if r["record"] == "reflections" and r["item"] == "What surprised us?"]
    assert private and private[0]["text"] == ""  # the other owner does not read the team's private answer
    steering = _csv(await client.get(f"/projects/{PROJECT}/learning/export", headers=auth("steering")))
    assert "text" not in steering[0] and len(steering) == len(rows)
    book = load_workbook(
        io.BytesIO(
            (
                await client.get(
                    f"/projects/{PROJECT}/learning/export", params={"format": "xlsx"}, headers=pm
                )
            ).content
        )
    )
    assert book.sheetnames == ["decisions", "reflections"]
    header = [c.value for c in book["decisions"][1]]
    assert "reasoning" in header and "evidence" in header
    steering_book = load_workbook(
        io.BytesIO(
            (
                await client.get(
                    f"/projects/{PROJECT}/learning/export",
                    params={"format": "xlsx"},
                    headers=auth("steering"),
                )
            ).content
        )
    )
    assert "reasoning" not in [c.value for c in steering_book["decisions"][1]]
    assert "answer" not in [c.value for c in steering_book["reflections"][1]]
