"""Where the services' database sessions spend the steady phase: ``pg_stat_activity`` sampled every
half second (per database: active, idle in transaction, waiting on a lock), to tell a saturated
pool or lock queue from a starved CPU when latencies grow."""

from __future__ import annotations

import threading
from collections import defaultdict

from benchmarks.loadfault.cluster import Cluster

QUERY = """
SELECT datname,
       count(*) FILTER (WHERE state = 'active'),
       count(*) FILTER (WHERE state = 'idle in transaction'),
       count(*) FILTER (WHERE wait_event_type = 'Lock'),
       count(*)
FROM pg_stat_activity WHERE datname = ANY(%s) GROUP BY datname
"""


class ActivitySampler:
    def __init__(self, cluster: Cluster, databases: tuple[str, ...], every: float = 0.5) -> None:
        self.cluster, self.databases, self.every = cluster, databases, every
        self.samples: dict[str, list[tuple[int, int, int, int]]] = defaultdict(list)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="pg-activity")

    def __enter__(self) -> ActivitySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        try:
            with self.cluster.admin() as conn:
                while not self._stop.wait(self.every):
                    for db, active, idle_tx, lock, total in conn.execute(QUERY, (list(self.databases),)):
                        self.samples[db].append((active, idle_tx, lock, total))
        except Exception as exc:  # a sampler must never break the run: say so in the report
            self.samples["error: " + repr(exc)[:100]] = []

    def line(self) -> str:
        parts = []
        for db, rows in sorted(self.samples.items()):
            if not rows:
                parts.append(db)
                continue
            cols = list(zip(*rows, strict=True))
            mean = [sum(c) / len(c) for c in cols]
            peak = [max(c) for c in cols]
            parts.append(
                f"{db}: sessions {mean[3]:.0f} (max {peak[3]}), active {mean[0]:.1f} (max {peak[0]}), "
                f"idle in transaction {mean[1]:.1f} (max {peak[1]}), waiting on a lock {mean[2]:.1f} (max {peak[2]})"
            )
        return "DATABASE SESSIONS in the steady phase (mean of samples every 0.5 s): " + "; ".join(parts)
