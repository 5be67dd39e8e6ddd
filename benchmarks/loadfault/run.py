"""One run: private cluster, whole product, steady load, the faults under load, verification, report."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.loadfault import faults, importkill, routes
from benchmarks.loadfault.cluster import Cluster
from benchmarks.loadfault.dbsample import ActivitySampler
from benchmarks.loadfault.logs import collect
from benchmarks.loadfault.product import SERVICES, Product, peer_wiring
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
    ramp_seconds: float = 5.0  # the clients start evenly over this time (no 100-request thundering herd)
    faults: tuple[str, ...] = ALL_FAULTS
    kill_service: str = "budget"
    down_seconds: float = 3.0
    settle_seconds: float = 2.0
    import_rows: int = 20_000
    import_rerun: bool = True
    upstream_timeout: float = 10.0  # HANKE_GATEWAY_UPSTREAM_TIMEOUT_SECONDS for the run
    view_deadline: float = 15.0  # HANKE_GATEWAY_VIEW_DEADLINE_SECONDS for the run (the default)
    grace_seconds: float = 5.0  # scheduling slack on a loaded machine before an answer counts as a hang
    recovery_timeout: float = 120.0  # a service not answering 2xx this long after a fault has not recovered
    workdir: Path | None = None
    keep: bool = False
    logs_dir: Path | None = (
        None  # where the logs go when a check fails (default /tmp/hanke-loadfault-logs-<run>)
    )
    verbose: bool = True


@dataclass
class Outcome:
    report: Report
    recorder: Recorder
    results: dict[str, object] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase
    logs_kept: Path | None = None  # the apps' logs, kept when an invariant failed


def say(config: Config, text: str) -> None:
    if config.verbose:
        print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


class Phases:
    """Wall-clock seconds per phase, printed with the report."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.monotonic()

    def mark(self, name: str) -> None:
        now = time.monotonic()
        self.seconds[name] = now - self._last
        self._last = now

    def line(self) -> str:
        total = sum(self.seconds.values())
        return (
            "PHASES: "
            + ", ".join(f"{k} {v:.1f} s" for k, v in self.seconds.items())
            + f"; total {total:.1f} s"
        )


async def _faults(
    config: Config, product: Product, tokens: Tokens, run_id: str, phases: Phases
) -> dict[str, object]:
    out: dict[str, object] = {"kill": None, "imp": None, "db": None}
    prepared = None
    if "import" in config.faults:  # its interpreter starts now and waits for its file
        prepared = await asyncio.to_thread(importkill.PreparedImport, product, config.import_rows, run_id)
    try:
        await _run_faults(config, product, tokens, phases, prepared, out)
    finally:
        if prepared is not None:
            prepared.close()
    return out


async def _run_faults(
    config: Config,
    product: Product,
    tokens: Tokens,
    phases: Phases,
    prepared: importkill.PreparedImport | None,
    out: dict[str, object],
) -> None:
    if "kill" in config.faults:
        say(config, f"fault a: SIGKILL {config.kill_service}, restart after {config.down_seconds:.0f} s")
        out["kill"] = await faults.kill_service(
            product,
            tokens,
            config.kill_service,
            down_seconds=config.down_seconds,
            settle=config.settle_seconds,
            recovery_timeout=config.recovery_timeout,
        )
        phases.mark("fault a")
    if prepared is not None:
        say(config, f"fault b: ledger import of {config.import_rows} rows, SIGKILL while it writes")
        out["imp"] = await importkill.kill_import(prepared, rerun=config.import_rerun)
        await asyncio.sleep(config.settle_seconds)
        phases.mark("fault b")
    if "db" in config.faults:
        say(config, "fault c: pg_ctl restart -m fast")
        out["db"] = await faults.restart_database(
            product, tokens, settle=config.settle_seconds, recovery_timeout=config.recovery_timeout
        )
        phases.mark("fault c")


async def _scenario(config: Config, product: Product, run_id: str, phases: Phases) -> Outcome:
    tokens, rec = Tokens(), Recorder()
    unexercised = await asyncio.to_thread(routes.check, product.gateway, tokens.get("admin"))
    work = Workload(product.gateway, tokens, rec, run_id=run_id, client_timeout=config.view_deadline + 45)
    load = asyncio.create_task(work.run(config.clients, config.ramp_seconds))
    began = time.monotonic()
    cpu0, own0 = product.cpu_seconds(), time.process_time()
    say(
        config,
        f"load: {config.clients} clients (started over {config.ramp_seconds:g} s) for {config.seconds:.0f} s",
    )
    with ActivitySampler(product.cluster, SERVICES) as activity:
        await asyncio.sleep(config.seconds)
    steady = faults.Window("steady", began, time.monotonic(), set())
    span, cpu1 = steady.end - steady.start, product.cpu_seconds()
    cores = {app: (cpu1[app] - cpu0[app]) / span for app in cpu1 if app in cpu0}
    cores["load generator"] = (time.process_time() - own0) / span
    load_avg = os.getloadavg()[0]
    phases.mark("steady load")
    try:
        results = await _faults(config, product, tokens, run_id, phases)
    finally:
        work.stop.set()
        await load
    say(config, f"load stopped: {len(rec.samples)} requests, {len(rec.acks)} acknowledged writes; verifying")
    await asyncio.to_thread(product.wait_ready, config.recovery_timeout)
    verification = await asyncio.to_thread(verify, product.gateway, tokens, rec)
    await asyncio.to_thread(audit_check, product.cluster, rec, verification)
    phases.mark("verification")
    report = build(
        rec,
        clients=config.clients,
        steady=steady,
        kill=results["kill"],  # type: ignore[arg-type]
        imp=results["imp"],  # type: ignore[arg-type]
        db=results["db"],  # type: ignore[arg-type]
        verification=verification,
        deadline_ms=(config.upstream_timeout + config.grace_seconds) * 1000,
        view_deadline_ms=(config.view_deadline + config.grace_seconds) * 1000,
        log_evidence=collect(product.logs()),
    )
    report.lines.insert(
        0,
        "CPU in the steady phase (cores used, one worker per app): "
        + ", ".join(f"{app} {n:.2f}" for app, n in cores.items())
        + f"; the machine's load average {load_avg:.1f} on {os.cpu_count()} cores",
    )
    report.lines.insert(1, activity.line())
    report.lines.append(f"write routes in /openapi.json the workload does not exercise: {len(unexercised)}")
    results.update(steady=steady, verification=verification, unexercised=unexercised, cores=cores)
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
    product = Product(
        cluster,
        workdir / "apps",
        upstream_timeout=config.upstream_timeout,
        view_deadline=config.view_deadline,
    )
    phases = Phases()
    outcome: Outcome | None = None
    try:
        product.plan()
        product.start_gateway()
        say(config, f"PostgreSQL cluster in {cluster.root} on 127.0.0.1:{cluster.port} ({cluster.bindir})")
        cluster.start()
        phases.mark("cluster")
        say(config, f"migrating and seeding; peers each app declares: {peer_wiring()}")
        product.setup()
        phases.mark("setup")
        say(config, "apps: " + ", ".join(f"{a.name} {a.url}" for a in product.apps.values()))
        say(config, "setup: " + ", ".join(f"{k} {v:.1f} s" for k, v in product.timings.items()))
        outcome = asyncio.run(_scenario(config, product, run_id, phases))
        return outcome
    finally:
        product.shutdown(grace=0.5)  # nothing of theirs survives the run: no graceful stop needed
        cluster.stop(mode="immediate")  # it is deleted: no checkpoint needed
        if outcome is not None and not outcome.report.ok and not config.keep:
            outcome.logs_kept = _keep_logs(product, cluster, run_id, config.logs_dir)
        if not config.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        phases.mark("teardown")
        if outcome is not None:
            outcome.timings = dict(phases.seconds)
            outcome.report.lines.append(phases.line())
            if outcome.logs_kept:
                outcome.report.lines.append(f"the apps' logs are kept in {outcome.logs_kept}")
        say(config, phases.line() + (f"; kept {workdir}" if config.keep else ""))


def _keep_logs(product: Product, cluster: Cluster, run_id: str, where: Path | None) -> Path:
    """Copy the apps' and the cluster's logs out of the work directory (evidence of a failed invariant)."""
    target = where or Path(tempfile.gettempdir()) / f"hanke-loadfault-logs-{run_id}"
    target.mkdir(parents=True, exist_ok=True)
    for path in [*product.logs().values(), product.workdir / "import.log", cluster.logfile]:
        if path.exists():
            shutil.copy(path, target / path.name)
    return target
