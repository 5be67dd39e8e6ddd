"""One run: private cluster, whole product, steady load, the faults under load, verification, report."""

from __future__ import annotations

import asyncio
import shutil
import signal
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.loadfault import faults
from benchmarks.loadfault.cluster import Cluster
from benchmarks.loadfault.product import Product, peer_wiring
from benchmarks.loadfault.record import Recorder
from benchmarks.loadfault.report import Report, build
from benchmarks.loadfault.tokens import Tokens
from benchmarks.loadfault.verify import audit_check, verify
from benchmarks.loadfault.workload import Workload

ALL_FAULTS = ("kill", "import", "db")


@dataclass
class Config:
    clients: int = 100
    seconds: float = 60.0
    faults: tuple[str, ...] = ALL_FAULTS
    kill_service: str = "budget"
    down_seconds: float = 3.0
    settle_seconds: float = 2.0
    import_rows: int = 20_000
    import_rerun: bool = True
    upstream_timeout: float = 10.0  # HANKE_GATEWAY_UPSTREAM_TIMEOUT_SECONDS for the run
    view_deadline: float = 15.0  # the gateway's default VIEW_DEADLINE_SECONDS
    grace_seconds: float = 5.0  # scheduling slack on a loaded machine before an answer counts as a hang
    recovery_timeout: float = 120.0  # a service not answering 2xx this long after a fault has not recovered
    workdir: Path | None = None
    keep: bool = False
    verbose: bool = True


@dataclass
class Outcome:
    report: Report
    recorder: Recorder
    results: dict[str, object] = field(default_factory=dict)
    workdir: Path | None = None


def say(config: Config, text: str) -> None:
    if config.verbose:
        print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


async def _scenario(config: Config, product: Product, tokens: Tokens, rec: Recorder, run_id: str) -> Outcome:
    work = Workload(product.gateway, tokens, rec, run_id=run_id, client_timeout=config.view_deadline + 45)
    load = asyncio.create_task(work.run(config.clients))
    began = time.monotonic()
    say(config, f"load: {config.clients} clients for {config.seconds:.0f} s (steady phase)")
    await asyncio.sleep(config.seconds)
    steady = faults.Window("steady", began, time.monotonic(), set())
    results: dict[str, object] = {"steady": steady}
    kill = imp = db = None
    try:
        if "kill" in config.faults:
            say(config, f"fault a: SIGKILL {config.kill_service}, restart after {config.down_seconds:.0f} s")
            kill = await faults.kill_service(
                product,
                tokens,
                config.kill_service,
                down_seconds=config.down_seconds,
                settle=config.settle_seconds,
                recovery_timeout=config.recovery_timeout,
            )
        if "import" in config.faults:
            say(config, f"fault b: ledger import of {config.import_rows} rows, SIGKILL while it writes")
            imp = await faults.kill_import(
                product, rows=config.import_rows, tag=run_id, rerun=config.import_rerun
            )
            await asyncio.sleep(config.settle_seconds)
        if "db" in config.faults:
            say(config, "fault c: pg_ctl restart -m fast")
            db = await faults.restart_database(
                product, tokens, settle=config.settle_seconds, recovery_timeout=config.recovery_timeout
            )
    finally:
        work.stop.set()
        await load
    results.update(kill=kill, imp=imp, db=db)
    say(config, f"load stopped: {len(rec.samples)} requests, {len(rec.acks)} acknowledged writes; verifying")
    await asyncio.to_thread(product.wait_ready, config.recovery_timeout)
    verification = await asyncio.to_thread(verify, product.gateway, tokens, rec)
    await asyncio.to_thread(audit_check, product.cluster, rec, verification)
    report = build(
        rec,
        clients=config.clients,
        steady=steady,
        kill=kill,
        imp=imp,
        db=db,
        verification=verification,
        deadline_ms=(config.upstream_timeout + config.grace_seconds) * 1000,
        view_deadline_ms=(config.view_deadline + config.grace_seconds) * 1000,
        log_problems=product.log_problems(),
    )
    results["verification"] = verification
    return Outcome(report, rec, results)


def _terminate(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds through run()'s teardown


def run(config: Config) -> Outcome:
    """Set up, load, inject the faults, verify; always tears the cluster and the apps down (also on
    SIGTERM, e.g. a CI timeout: the cluster and the apps are children that would outlive us)."""
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if in_main else None
    try:
        return _run(config)
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)


def _run(config: Config) -> Outcome:
    workdir = config.workdir or Path(tempfile.mkdtemp(prefix="hanke-loadfault-"))
    workdir.mkdir(parents=True, exist_ok=True)
    workdir.chmod(0o711)  # the cluster's directory inside is the postgres user's
    run_id = uuid.uuid4().hex[:6]
    cluster = Cluster(root=workdir / "pg")
    product = Product(cluster, workdir / "apps", upstream_timeout=config.upstream_timeout)
    started = time.monotonic()
    try:
        say(config, f"PostgreSQL cluster in {cluster.root} on 127.0.0.1:{cluster.port} ({cluster.bindir})")
        cluster.start()
        say(config, f"migrating and seeding; peers each app declares: {peer_wiring()}")
        product.setup()
        say(
            config,
            "apps: "
            + ", ".join(f"{a.name} {a.url}" for a in product.apps.values())
            + f" (ready after {time.monotonic() - started:.1f} s)",
        )
        outcome = asyncio.run(_scenario(config, product, Tokens(), Recorder(), run_id))
        outcome.workdir = workdir
        return outcome
    finally:
        product.shutdown()
        cluster.stop()
        if not config.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        say(
            config,
            f"torn down after {time.monotonic() - started:.1f} s"
            + (f"; kept {workdir}" if config.keep else ""),
        )
