"""Load and fault suite (a script; the short form runs in CI as tests/load/test_load_fault.py).

    uv run python benchmarks/load_fault.py [--clients 100] [--seconds 60] [--faults kill,import,db]
                                           [--kill-service budget] [--import-rows 20000] [--keep]

Starts its own PostgreSQL cluster (initdb + pg_ctl from /usr/lib/postgresql/*/bin, a temp dir, a
free loopback port, run as the postgres OS user when root; the machine's shared server is never
touched), migrates and seeds one database per service with ``hanke migrate`` / ``hanke seed``, and
runs the three services and the gateway as uvicorn processes. Then N clients put a mixed read/write
load through the gateway for the given seconds, and under the same load: (a) a service is SIGKILLed
and restarted, (b) a ledger import (``hanke import-ledger --commit``) is SIGKILLed while its
transaction writes, (c) the cluster is restarted with ``pg_ctl restart -m fast``. Afterwards every
acknowledged write is looked for through the gateway. Prints latency per request kind, throughput,
recovery times and the invariants; the exit code is 1 when one fails.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.loadfault.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
