"""``hanke serve APP``: run one app under uvicorn with its settings' workers, host and port.

What ``hanke up``, the container images and the Kubernetes Deployments run. Several workers are
uvicorn's own process manager (it restarts a worker that dies and, on SIGTERM, lets each finish
its requests in flight for ``GRACEFUL_SHUTDOWN_SECONDS``). With more than one worker (or
``PROMETHEUS_MULTIPROC_DIR`` set) the Prometheus client keeps its samples in files, one folder per
app (``PROMETHEUS_MULTIPROC_DIR`` given: its ``<app>/`` subfolder, emptied at start; else a
temporary folder removed at exit), so a scrape of any worker answers for all of them.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from hanke_cli.apps import AppSpec

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def _metrics_dir(app: str) -> tuple[Path, bool]:
    """The app's multiprocess metrics folder, emptied; and whether it is ours to remove at exit."""
    base = os.environ.get(MULTIPROC_ENV)
    if base:
        folder = Path(base) / app
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        return folder, False
    return Path(tempfile.mkdtemp(prefix=f"hanke-{app}-metrics-")), True


def serve(
    spec: AppSpec,
    *,
    workers: int | None = None,
    host: str | None = None,
    port: int | None = None,
    access_log: bool = False,
    http: str | None = None,
) -> int:
    """Serve ``spec`` until SIGINT/SIGTERM; returns the exit code.

    ``http``: uvicorn's HTTP protocol (an import path); default the app's ``--http`` uvicorn option
    (the gateway's protocol that bounds the request head), else uvicorn's choice.
    """
    import uvicorn

    options = dict(zip(spec.uvicorn_options[::2], spec.uvicorn_options[1::2], strict=True))
    unknown = set(options) - {"--http"}
    if unknown:  # a new option in apps.py must be passed on here too
        raise ValueError(f"hanke serve does not pass on the uvicorn options {sorted(unknown)}")
    protocol = http or options.get("--http", "auto")

    settings = spec.settings()
    count = workers or settings.resolved_workers()
    folder, remove = (None, False)
    if count > 1 or os.environ.get(MULTIPROC_ENV):
        folder, remove = _metrics_dir(spec.name)
        os.environ[MULTIPROC_ENV] = str(folder)  # the workers are spawned with this environment
    try:
        uvicorn.run(
            spec.factory,
            factory=True,
            host=host or settings.host,
            port=port or settings.port,
            workers=count,
            access_log=access_log,
            timeout_graceful_shutdown=int(settings.graceful_shutdown_seconds),
            log_config=None,  # the apps configure their own (JSON) logging
            http=protocol,
        )
    finally:
        if remove and folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
    return 0
