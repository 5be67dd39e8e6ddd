"""Benchmark (a script, not a test): how long does the IDK interim evaluation PDF take to make?

Runs the real budget, pilots and participants apps in process on temporary SQLite databases (built
by their migrations, seeded, with the reports tests' scenario of 2020-2021 entered through their
APIs), then times the reports service's pipeline as ``GET /projects/S21894/interim-evaluation``
does it: the upstream calls as of the day (concurrent, over HTTP in process), building the
document and rendering the PDF (charts drawn afresh each round: the chart cache is emptied).
Target: under 5 s for the whole PDF on this machine.

    uv run python benchmarks/reports_render.py [--rounds 5] [--as-of 2021-01-01] [--lang fi]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import importlib
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root: tests.reports.scenario

from hanke_libs.auth import Principal
from hanke_libs.db import standalone_database
from hanke_libs.peers import PeerClient
from hanke_libs.testing import bearer, running
from reports.charts.render import clear_cache
from reports.config import Settings
from reports.document.build import build
from reports.drafting import snapshot
from reports.drafting.collect import collect
from reports.render.pdf import render_pdf
from reports.upstream import Collector
from tests.reports import scenario

UPSTREAMS = ("budget", "pilots", "participants")


async def main(rounds: int, as_of: dt.date, lang: str) -> None:
    logging.disable(logging.WARNING)
    tmp = tempfile.mkdtemp(prefix="hanke-reports-bench-")
    apps: dict[str, Any] = {}
    contexts = []
    clients: dict[str, httpx.AsyncClient] = {}
    for name in UPSTREAMS:
        url = f"sqlite:///{tmp}/{name}.db"
        importlib.import_module(f"{name}.db").migrate(url)
        async with standalone_database(url) as db:
            await importlib.import_module(f"{name}.seed").seed(db)
        config = importlib.import_module(f"{name}.config")
        apps[name] = importlib.import_module(f"{name}.main").create_app(
            config.Settings(database_url=url, log_json=False)
        )
        ctx = running(apps[name])
        clients[name] = await ctx.__aenter__()
        contexts.append(ctx)
    settings = Settings()

    def auth(*roles: str, **kw: Any) -> dict[str, str]:
        return bearer(settings, *roles, **kw)

    started = time.perf_counter()
    await scenario.load_budget(clients["budget"], auth)
    await scenario.load_pilots(clients["pilots"], auth)
    await scenario.load_participants(clients["participants"], auth)
    print(f"scenario loaded in {time.perf_counter() - started:.1f} s")
    peers = {
        n: PeerClient(n, "http://testserver", cache_seconds=0, transport=httpx.ASGITransport(app=apps[n]))
        for n in UPSTREAMS
    }
    token = auth("project_manager")["Authorization"].split()[1]
    principal = Principal(subject="bench", roles=frozenset({"project_manager"}), token=token)
    header = {
        "id": None,
        "project_code": "S21894",
        "kind": "interim_evaluation",
        "title": None,
        "as_of": as_of.isoformat(),
        "period_start": None,
        "period_end": None,
        "claim_number": None,
    }
    timings: dict[str, list[float]] = {"collect": [], "render_pdf": [], "total": []}
    size = 0
    for _ in range(rounds):
        clear_cache()
        t0 = time.perf_counter()
        sources = await collect(
            Collector(peers, principal, deadline_seconds=30),
            kind="interim_evaluation",
            code="S21894",
            as_of=as_of,
        )
        t1 = time.perf_counter()
        snap = snapshot.make(header=header, sources=sources, sections=[], drafted_at=dt.datetime.now(dt.UTC))
        pdf = await asyncio.to_thread(render_pdf, build(snap, lang), link_base="http://127.0.0.1:8000")
        t2 = time.perf_counter()
        timings["collect"].append(t1 - t0)
        timings["render_pdf"].append(t2 - t1)
        timings["total"].append(t2 - t0)
        size = len(pdf)
    print(
        f"interim evaluation PDF as of {as_of} ({lang}), {len(sources)} upstream answers, {size:,} bytes, {rounds} rounds:"
    )
    for key, values in timings.items():
        print(
            f"  {key:<11} median {statistics.median(values):.2f} s   min {min(values):.2f} s   max {max(values):.2f} s"
        )
    verdict = "within" if statistics.median(timings["total"]) < 5 else "OVER"
    print(f"target: under 5 s for the whole PDF -> {verdict} the target")
    for client in peers.values():
        await client.aclose()
    for ctx in contexts:
        await ctx.__aexit__(None, None, None)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--as-of", default="2021-01-01")
    parser.add_argument("--lang", choices=["fi", "en"], default="fi")
    args = parser.parse_args()
    asyncio.run(main(args.rounds, dt.date.fromisoformat(args.as_of), args.lang))
