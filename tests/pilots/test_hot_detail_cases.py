"""The pilot detail's hot read (pilots.pilots.hot_detail; one JSON-aggregating statement on
PostgreSQL) against the session path on the cases the seed lacks: indicators without measurements,
survey measurements under and over the small-sample limit (the newest under it), an indicator with
only small samples, a text indicator, a pilot stopped after running and one stopped before; the
JSON values decoded as their columns' types; one statement per read (the detail and the list) on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlmodel import select

from hanke_libs.auth import Principal
from hanke_libs.db import Database
from hanke_libs.peers import PeerClient
from hanke_libs.problems import NotFound
from pilots.models import Pilot
from pilots.pilots import hot, hot_detail, hot_detail_json
from pilots.pilots.hot_detail_json import T, decoder
from pilots.scope import NO_SESSION, SMALL_SAMPLE_LIMIT, Scope, with_read_session
from tests.pilots.helpers import PROJECT, add_indicator, approved_pilot, create_pilot, move
from tests.pilots.test_hot_reads import callers, listed, read

Auth = Callable[..., dict[str, str]]


async def _measure(client: httpx.AsyncClient, headers: dict[str, str], pid: str, **body: Any) -> None:
    response = await client.post(f"/pilots/{pid}/measurements", json=body, headers=headers)
    assert response.status_code == 201, response.text


async def _stopped_after_running(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> tuple[str, dict[str, str]]:
    """A pilot that ran with every kind of indicator, then was discontinued; its indicators' ids."""
    pilot = await approved_pilot(client, admin, "Survey pilot")  # one indicator, never measured
    pid = pilot["id"]
    assert (await move(client, admin, pid, "running")).status_code == 200
    survey = await add_indicator(client, admin, pid, name="Satisfaction", unit="%", survey_based=True)
    small = await add_indicator(client, admin, pid, name="Trust", unit="%", survey_based=True)
    text = await add_indicator(
        client, admin, pid, name="Mood", unit="words", numeric=False, baseline="tired", target="keen"
    )
    big = SMALL_SAMPLE_LIMIT + 15
    await _measure(
        client, admin, pid, indicator_id=survey["id"], measured_on="2021-03-01", value="9.5", respondents=big
    )
    await _measure(
        client, admin, pid, indicator_id=survey["id"], measured_on="2021-04-01", value="8", respondents=4
    )
    await _measure(
        client, admin, pid, indicator_id=small["id"], measured_on="2021-04-01", value="11", respondents=3
    )
    await _measure(client, admin, pid, indicator_id=text["id"], measured_on="2021-05-01", value="keener")
    stopped = await move(client, admin, pid, "discontinued", reason="the survey found no interest")
    assert stopped.status_code == 200, stopped.text
    return pid, {"survey": survey["id"], "small": small["id"], "text": text["id"]}


async def test_the_hot_pilot_equals_the_session_path_on_every_case(
    client: httpx.AsyncClient, auth: Auth, fast_db: Database, settings: Any
) -> None:
    admin = auth("admin")
    pid, ids = await _stopped_after_running(client, admin)
    never = await create_pilot(client, admin, title="Stopped at once")
    assert (await move(client, admin, never["id"], "discontinued", reason="no budget")).status_code == 200
    owner = (await client.get(f"/pilots/{pid}", headers=admin)).json()["owner_id"]
    bodies: dict[tuple[str, int], Any] = {}
    for pilot_id in (pid, never["id"]):
        for n, (principal, enrolled) in enumerate(callers(pilot_id, owner)):
            before = await read(fast_db, settings, principal, pilot_id, hot=False, champion_of=enrolled)
            after = await read(fast_db, settings, principal, pilot_id, hot=True, champion_of=enrolled)
            assert after == before, (pilot_id, principal.roles)
            bodies[pilot_id, n] = after
    admin_body, auditor_body, never_body = bodies[pid, 0], bodies[pid, 4], bodies[never["id"], 0]
    assert admin_body["frozen"] is True and never_body["frozen"] is False
    assert admin_body["stage"] == "discontinued" and never_body["indicators"] == []
    by_id = {i["id"]: i for i in admin_body["indicators"]}
    seen_by_auditor = {i["id"]: i for i in auditor_body["indicators"]}
    unmeasured = [i for i in admin_body["indicators"] if i["id"] not in ids.values()]
    assert len(unmeasured) == 1 and unmeasured[0]["latest"] is None and unmeasured[0]["locked"] is False
    # The newest survey value (4 respondents) for those who see small samples; the newest from at
    # least 10 for the others, who are told one is hidden.
    assert by_id[ids["survey"]]["latest"]["respondents"] == 4
    assert Decimal(str(seen_by_auditor[ids["survey"]]["latest"]["value"])) == Decimal("9.5")
    assert seen_by_auditor[ids["survey"]]["hidden_measurements"] == 1
    assert seen_by_auditor[ids["small"]]["latest"] is None
    assert seen_by_auditor[ids["small"]]["measurement_count"] == 0
    assert (
        Decimal(str(by_id[ids["small"]]["latest"]["value"])) == 11
        and by_id[ids["text"]]["latest"]["value"] == "keener"
    )


async def test_each_hot_read_is_one_statement_on_postgresql(
    client: httpx.AsyncClient, auth: Auth, fast_db: Database, settings: Any
) -> None:
    pilot = await approved_pilot(client, auth("admin"), "Counted")
    pool = getattr(fast_db, "fast_pool", None)
    if pool is None:  # SQLite: the engine path and nothing to count
        return
    calls: list[str] = []

    class Counting:
        async def fetchrow(self, sql: str, *args: Any) -> Any:
            calls.append(sql)
            return await pool.fetchrow(sql, *args)

        async def fetch(self, sql: str, *args: Any) -> Any:
            calls.append(sql)
            return await pool.fetch(sql, *args)

    fast_db.fast_pool = Counting()
    try:
        body = await read(fast_db, settings, Principal("t", frozenset({"admin"})), pilot["id"], hot=True)
        refused = await read(fast_db, settings, Principal("t", frozenset({"finance"})), pilot["id"], hot=True)
        detail_calls = list(calls)
        calls.clear()
        total, items = await listed(
            fast_db, settings, "admin", True, PROJECT, stage=None, owner_id=None, offset=0, limit=51
        )
    finally:
        fast_db.fast_pool = pool
    assert body["id"] == pilot["id"] and len(body["indicators"]) == 1 and refused[0] == 403
    assert detail_calls == [hot_detail_json.PILOT_JSON._compiled_pg()[0]]  # finance: refused before any
    assert total == 1 and items[0]["id"] == pilot["id"]
    assert calls == [hot.PAGES[False, False]._compiled_pg()[0]]


def test_json_values_are_decoded_as_their_columns_read() -> None:
    """A timestamp in any offset and precision PostgreSQL writes, a date, null, JSON and text."""
    row = {c.key: None for c in T.gd.c}
    row.update(
        id="d1",
        decided_on="2021-06-30",
        recorded_at="2021-06-30T12:00:00.5+03:00",
        evidence=[{"kind": "measurement"}],
        success_rating=4,
    )
    decision = decoder(T.gd)(row)
    assert decision.recorded_at == dt.datetime(2021, 6, 30, 9, 0, 0, 500000, tzinfo=dt.UTC)
    assert decision.recorded_at.tzinfo is dt.UTC and decision.decided_on == dt.date(2021, 6, 30)
    assert decision.evidence == [{"kind": "measurement"}] and decision.reasoning is None
    pilot_row = {c.key: None for c in T.p.c} | {
        "hypothesis_outcome_percent": "30.50",
        "created_at": "2021-01-01T00:00:00+00:00",
    }
    pilot = decoder(T.p)(pilot_row)
    assert pilot.hypothesis_outcome_percent == Decimal("30.50")
    assert pilot.created_at == dt.datetime(2021, 1, 1, tzinfo=dt.UTC)


async def test_a_hot_scope_opens_a_session_only_for_its_session_path(
    fast_db: Database, settings: Any
) -> None:
    """A hot route's scope has no session (any use fails loudly); its session path gets one."""
    peer = PeerClient("participants", "http://participants")
    scope = Scope(NO_SESSION, Principal("t", frozenset({"admin"})), settings, peer, frozenset(), fast_db)
    try:
        with pytest.raises(RuntimeError, match="no session"):
            await scope.session.exec(select(Pilot))
        async with with_read_session(scope) as read:
            assert read.session is not NO_SESSION and read.principal is scope.principal
            assert list((await read.session.exec(select(Pilot))).all()) == []
        with pytest.raises(NotFound):
            await hot_detail.read(scope, "no-such-pilot", dt.date(2021, 1, 1))  # as_of: the session path
    finally:
        await peer.aclose()
