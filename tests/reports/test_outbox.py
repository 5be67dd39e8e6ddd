"""Reminders: a scan enqueues each due-soon or overdue reminder once (however often, also two at
once); two delivery workers at once send each exactly once."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
from sqlmodel import select

from hanke_libs.db import standalone_database
from reports.config import Settings
from reports.models import Notification
from reports.outbox.delivery import LogSender, Message
from reports.outbox.worker import Outbox
from tests.reports.conftest import Auth


class Recorder:
    """A sender that remembers what it sent (and can fail the first try of some)."""

    def __init__(self, fail_once: set[int] | None = None) -> None:
        self.sent: list[int] = []
        self.fail_once = set(fail_once or ())

    async def send(self, message: Message) -> None:
        await asyncio.sleep(0.001)  # let the other worker run in between
        if message.id in self.fail_once:
            self.fail_once.discard(message.id)
            raise ConnectionError("SMTP relay refused the connection")
        self.sent.append(message.id)


async def test_scan_enqueues_each_reminder_once(
    client: httpx.AsyncClient, auth: Auth, settings: Settings
) -> None:
    pm = auth("project_manager")
    url = "/projects/S21894/notifications/scan"
    assert (
        await client.post(url, params={"date": "2021-02-20"}, headers=auth("steering"))
    ).status_code == 403
    answers = await asyncio.gather(
        *(client.post(url, params={"date": "2021-02-20"}, headers=pm) for _ in range(4))
    )
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
    assert (
        sum(a.json()["enqueued"] for a in answers) == 4
    )  # claim 1 and the interim evaluation overdue, two due soon
    again = (await client.post(url, params={"date": "2021-02-21"}, headers=pm)).json()
    assert again["enqueued"] == 0 and again["already_enqueued"] == 4
    later = (await client.post(url, params={"date": "2021-03-02"}, headers=pm)).json()
    assert later["enqueued"] == 2  # claim 2 and the monitoring report are overdue now: new reminders
    outbox = (await client.get("/projects/S21894/notifications", headers=auth("auditor"))).json()["items"]
    assert len(outbox) == 6 and {n["status"] for n in outbox} == {"pending"}
    assert {n["recipients"][0] for n in outbox} == {"idk-hanke@kuopio.example"}
    overdue = [n for n in outbox if n["kind"] == "overdue"]
    assert any(n["subject"].startswith("Myöhässä: S21894: Maksatushakemus 1") for n in overdue)


async def _fill(url: str, n: int, prefix: str = "test") -> list[int]:
    async with standalone_database(url) as db, db.write_session() as session:
        rows = [
            Notification(
                project_code="S21894",
                kind="due_soon",
                dedupe_key=f"{prefix}:{i}",
                recipients=["a@kuopio.example"],
                subject=f"Muistutus {i}",
                body="…",
            )
            for i in range(n)
        ]
        session.add_all(rows)
        await session.commit()
        return [r.id for r in rows if r.id is not None]


@pytest.mark.parametrize("rounds", [5])
async def test_two_workers_send_each_reminder_exactly_once(settings: Settings, rounds: int) -> None:
    url = settings.resolved_database_url()
    async with standalone_database(url) as db_a, standalone_database(url) as db_b:
        for round_ in range(rounds):
            ids = await _fill(url, 30)
            sender = Recorder(fail_once={ids[3], ids[17]})
            a = Outbox(db_a, sender, worker_id=f"a{round_}", batch_size=4)
            b = Outbox(db_b, sender, worker_id=f"b{round_}", batch_size=4)
            await asyncio.gather(a.drain(), b.drain())
            assert sorted(sender.sent) == sorted(ids), f"round {round_}: each once"
            async with db_a.read_session() as session:
                rows = (
                    await session.exec(
                        select(Notification).where(Notification.dedupe_key.startswith("test:"))
                    )
                ).all()  # type: ignore[attr-defined]
            mine = [r for r in rows if r.id in ids]
            assert {r.status for r in mine} == {"sent"}
            assert {r.attempts for r in mine if r.id in (ids[3], ids[17])} == {2}
            assert {r.claimed_by for r in mine} <= {f"a{round_}", f"b{round_}"}
            async with db_a.write_session() as session:  # the next round starts clean
                for r in mine:
                    await session.delete(r)
                await session.commit()


async def test_failing_reminder_gives_up_and_a_stale_claim_is_taken_over(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    url = settings.resolved_database_url()
    ids = await _fill(url, 2)
    async with standalone_database(url) as db:

        class Broken:
            async def send(self, message: Message) -> None:
                raise TimeoutError("no answer from SMTP")

        assert await Outbox(db, Broken(), max_attempts=2).drain() == 0
        async with db.read_session() as session:
            rows = (await session.exec(select(Notification).where(Notification.id.in_(ids)))).all()  # type: ignore[union-attr]
        assert {(r.status, r.attempts) for r in rows} == {("failed", 2)}
        assert all("TimeoutError" in (r.last_error or "") for r in rows)

        fresh = await _fill(url, 1, prefix="fresh")
        crashed = Outbox(db, Recorder(), worker_id="crashed", lease_seconds=10)
        assert [m.id for m in await crashed.claim()] == fresh  # claimed, then the worker died
        assert await Outbox(db, Recorder(), worker_id="other", lease_seconds=10).drain() == 0  # not stale yet
        taker = Outbox(db, LogSender(), worker_id="taker", lease_seconds=0)
        with caplog.at_level(logging.INFO, logger="hanke.reports.outbox"):
            assert await taker.drain() == 1
        assert "Muistutus 0" in caplog.text and "a@kuopio.example" in caplog.text
