"""How throughput grows with uvicorn workers: the budget service under ``hanke serve --workers N``.

The budget service runs on a fresh PostgreSQL database built by its migrations and seeded, with
``--entries`` ledger entries posted through its API, once with each worker count in turn
(``--workers 1 2``); wrk drives two reads at a time: one ledger entry (the fast path straight to
asyncpg) and the project (its hot read, two FastQuery statements, ADR 0011). Each count runs ``--rounds`` times and keeps its best
round. Prints requests/s, p50/p99, the serving processes' CPU time per request (from /proc) and the
ratio to one worker. On a two-core machine wrk and PostgreSQL take a share of the same cores, so two
workers cannot reach 2x here; the CPU per request shows that a second worker costs nothing extra.

    uv run python benchmarks/workers.py [--seconds 8] [--connections 16] [--rounds 2] [--workers 1 2]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gateway_bench_support import cpu_seconds
from harness import ROOT, free_port, fresh_pg_database, wait_ready, wrk

from hanke_libs.auth import issue_dev_token
from hanke_libs.settings import AppSettings

KUOPIO = "0171450-7"


def env_for(url: str, port: int, workers: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HANKE_")}
    env.update(
        HANKE_BUDGET_DATABASE_URL=url,
        HANKE_BUDGET_PORT=str(port),
        HANKE_BUDGET_WORKERS=str(workers),
        HANKE_BUDGET_LOG_LEVEL="WARNING",
    )
    return env


@contextmanager
def served(url: str, workers: int) -> Iterator[tuple[str, int]]:
    port = free_port()
    cmd = [sys.executable, "-m", "hanke_cli.main", "serve", "budget"]
    proc = subprocess.Popen(cmd, env=env_for(url, port, workers), cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base + "/readyz", None, timeout=120)
        yield base, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def prepare(url: str, entries: int, token: str) -> str:
    """Migrate, seed and post ``entries`` ledger entries; the id of one of them."""
    for command in ("migrate", "seed"):
        subprocess.run(
            [sys.executable, "-m", "hanke_cli.main", command, "budget"],
            env=env_for(url, 0, 1),
            check=True,
            capture_output=True,
        )
    with served(url, 1) as (base, _), httpx.Client(base_url=base, timeout=30) as client:
        headers = {"Authorization": f"Bearer {token}"}
        first = ""
        for n in range(entries):
            body = {
                "implementer": KUOPIO,
                "entry_date": "2021-03-15",
                "category": "staff",
                "amount": f"{100 + n}.00",
                "voucher_ref": f"W-{n}",
                "description": "Palkat",
            }
            resp = client.post("/projects/S21894/costs", json=body, headers=headers)
            resp.raise_for_status()
            first = first or resp.json()["id"]
        return first


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--entries", type=int, default=200)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    token = issue_dev_token(AppSettings(), roles=["finance"], subject="bench", implementer=KUOPIO)
    headers = {"Authorization": f"Bearer {token}"}
    with fresh_pg_database("hanke_bench_workers") as url:
        entry_id = prepare(url, args.entries, token)
        paths = {
            "entry (fast path)": f"/projects/S21894/costs/{entry_id}",
            "project (hot read)": "/projects/S21894",
        }
        best: dict[tuple[str, int], tuple[float, float, float, int, float]] = {}
        for _ in range(args.rounds):
            for workers in args.workers:
                with served(url, workers) as (base, pid):
                    for label, path in paths.items():
                        wrk(base + path, connections=args.connections, seconds=2, headers=headers)  # warm-up
                        cpu = cpu_seconds(pid)
                        r = wrk(
                            base + path, connections=args.connections, seconds=args.seconds, headers=headers
                        )
                        # CPU of the serving processes per request: steadier than req/s on a shared machine.
                        cpu_us = (cpu_seconds(pid) - cpu) / max(r.rps * args.seconds, 1) * 1e6
                        if r.rps > best.get((label, workers), (0.0, 0.0, 0.0, 0, 0.0))[0]:
                            best[(label, workers)] = (r.rps, r.p50_ms, r.p99_ms, r.errors, cpu_us)
    cores = len(os.sched_getaffinity(0))
    print(f"\nbudget service under hanke serve, PostgreSQL, wrk -c{args.connections}, {cores} cores,")
    print(f"best of {args.rounds} rounds; load average before the run {load:.1f}")
    header = f"{'read':<20}{'workers':>8}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"
    print(header + f"{'CPU us/req':>12}{'x 1 worker':>12}")
    for label in paths:
        base_rps = best[(label, args.workers[0])][0]
        for workers in args.workers:
            rps, p50, p99, errors, cpu_us = best[(label, workers)]
            print(
                f"{label:<20}{workers:>8}{rps:>10.0f}{p50:>9.1f}{p99:>9.1f}{errors:>8}"
                f"{cpu_us:>12.0f}{rps / base_rps:>12.2f}"
            )


if __name__ == "__main__":
    main()
