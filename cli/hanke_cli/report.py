"""``hanke report``: the interim evaluation written from the live services, and the reminder worker.

``interim`` runs the reports service's own pipeline in this process: it reads the budget, pilots
and participants services over HTTP (their URLs from the ``HANKE_REPORTS_*_URL`` settings) with a
bearer token, so each service applies its access rules to that token, and prints each step.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import signal
import sys
import time
from pathlib import Path

from hanke_cli.console import say
from hanke_libs.auth import Principal, issue_dev_token
from hanke_libs.db import standalone_database
from hanke_libs.peers import PeerClient

FORMATS = {".pdf": "pdf", ".html": "html", ".htm": "html", ".docx": "docx", ".json": "json"}


def _token(explicit: str | None) -> str | None:
    from reports.config import Settings

    token = explicit or os.environ.get("HANKE_TOKEN")
    if token:
        return token
    settings = Settings()
    if settings.is_production:
        return None
    return issue_dev_token(settings, roles=["project_manager"], subject="cli-report", lifetime_seconds=600)


async def _interim(project: str, as_of: dt.date, fmt: str, lang: str, token: str) -> bytes:
    from reports.config import Settings
    from reports.document.build import build
    from reports.drafting import snapshot
    from reports.drafting.collect import collect
    from reports.render.respond import render_bytes
    from reports.upstream import Collector

    settings = Settings()
    peers = {
        name: PeerClient(name, url, timeout_seconds=settings.peer_timeout_seconds, cache_seconds=0)
        for name, url in settings.upstream_urls().items()
    }
    principal = Principal(subject="cli-report", roles=frozenset(), token=token)
    try:
        started = time.perf_counter()
        say("report", f"reading the services as of {as_of.isoformat()} ...")
        collector = Collector(
            peers,
            principal,
            deadline_seconds=settings.draft_deadline_seconds,
            progress=lambda m: say("report", "  " + m),
        )
        sources = await collect(collector, kind="interim_evaluation", code=project, as_of=as_of)
        header = {
            "id": None,
            "project_code": project,
            "kind": "interim_evaluation",
            "title": None,
            "as_of": as_of.isoformat(),
            "period_start": None,
            "period_end": None,
            "claim_number": None,
        }
        snap = snapshot.make(
            header=header,
            sources=sources,
            sections=[],
            drafted_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
        )
        for missing in snap["missing"]:
            say("report", f"  missing: {missing['source']} ({missing['reason']})")
        say(
            "report",
            f"{len(sources)} answers in {time.perf_counter() - started:.1f} s; rendering {fmt.upper()} ({lang}) ...",
        )
        rendered = time.perf_counter()
        if fmt == "json":
            return json.dumps(
                {"snapshot": snap, "document": build(snap, lang)}, ensure_ascii=False, indent=1
            ).encode()
        body = await asyncio.to_thread(render_bytes, snap, fmt, lang, link_base=settings.gateway_base_url)
        say("report", f"rendered in {time.perf_counter() - rendered:.1f} s")
        return body
    finally:
        for client in peers.values():
            await client.aclose()


def interim(*, project: str, as_of: str, out: Path, fmt: str | None, lang: str, token: str | None) -> int:
    try:
        day = dt.date.fromisoformat(as_of)
    except ValueError:
        print(f"hanke report interim: --as-of {as_of!r} is not a date (YYYY-MM-DD)", file=sys.stderr)
        return 2
    fmt = fmt or FORMATS.get(out.suffix.lower())
    if fmt is None:
        print(
            f"hanke report interim: cannot tell the format from {out.name!r}; use --format", file=sys.stderr
        )
        return 2
    bearer = _token(token)
    if bearer is None:
        print("hanke report interim: production mode needs --token or HANKE_TOKEN", file=sys.stderr)
        return 2
    body = asyncio.run(_interim(project, day, fmt, lang, bearer))
    out.write_bytes(body)
    say("report", f"wrote {out} ({len(body):,} bytes)")
    return 0


def outbox(*, once: bool, interval: float) -> int:
    from reports.config import Settings
    from reports.outbox.delivery import sender_for
    from reports.outbox.worker import Outbox

    settings = Settings()

    async def run() -> int:
        async with standalone_database(settings.resolved_database_url()) as db:
            worker = Outbox(
                db,
                sender_for(settings),
                lease_seconds=settings.outbox_lease_seconds,
                batch_size=settings.outbox_batch_size,
                max_attempts=settings.outbox_max_attempts,
            )
            say(
                "report",
                f"outbox worker {worker.worker_id} ({'SMTP ' + settings.smtp_host if settings.smtp_host else 'log only'})",
            )
            if once:
                sent = await worker.drain()
                say("report", f"sent {sent} reminder(s)")
                return 0
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            await worker.run_forever(stop, interval)
            return 0

    return asyncio.run(run())
