"""Command line of the load and fault suite."""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmarks.loadfault.product import SERVICES
from benchmarks.loadfault.run import ALL_FAULTS, Config, run


def parse(argv: list[str] | None = None) -> Config:
    p = argparse.ArgumentParser(
        prog="load_fault.py",
        description="Load and fault suite: the whole product on its own PostgreSQL cluster, "
        "N clients through the gateway, faults under load, every acknowledged write verified.",
    )
    p.add_argument("--clients", type=int, default=100, help="concurrent clients (default 100)")
    p.add_argument("--seconds", type=float, default=60, help="steady load before the faults (default 60)")
    p.add_argument(
        "--faults",
        default=",".join(ALL_FAULTS),
        help="comma list of kill (a service SIGKILLed and restarted), import (an import SIGKILLed "
        "mid-way), db (pg_ctl restart -m fast); empty for none (default all)",
    )
    p.add_argument("--ramp", type=float, default=5.0, help="start the clients evenly over this many seconds")
    p.add_argument("--kill-service", choices=SERVICES, default="budget")
    p.add_argument("--down-seconds", type=float, default=3.0, help="how long the killed service stays down")
    p.add_argument("--import-rows", type=int, default=20_000, help="rows of the killed ledger import")
    p.add_argument(
        "--no-import-rerun", action="store_true", help="skip importing the same file to completion"
    )
    p.add_argument("--upstream-timeout", type=float, default=10.0, help="the gateway's upstream timeout (s)")
    p.add_argument("--view-deadline", type=float, default=15.0, help="the gateway's view deadline (s)")
    p.add_argument(
        "--grace", type=float, default=5.0, help="slack over the deadline before an answer is a hang"
    )
    p.add_argument("--workdir", type=Path, help="where the cluster and the logs go (default a temp dir)")
    p.add_argument("--keep", action="store_true", help="keep the work directory (logs) afterwards")
    a = p.parse_args(argv)
    chosen = tuple(f for f in a.faults.split(",") if f)
    unknown = set(chosen) - set(ALL_FAULTS)
    if unknown:
        p.error(f"unknown faults {sorted(unknown)}; choose from {ALL_FAULTS}")
    return Config(
        clients=a.clients,
        seconds=a.seconds,
        ramp_seconds=min(a.ramp, a.seconds),
        faults=chosen,
        kill_service=a.kill_service,
        down_seconds=a.down_seconds,
        import_rows=a.import_rows,
        import_rerun=not a.no_import_rerun,
        upstream_timeout=a.upstream_timeout,
        view_deadline=a.view_deadline,
        grace_seconds=a.grace,
        workdir=a.workdir,
        keep=a.keep,
    )


def main(argv: list[str] | None = None) -> int:
    config = parse(argv)
    outcome = run(config)
    print(outcome.report.text(), flush=True)
    return 0 if outcome.report.ok else 1
