"""Headless Chromium for tests, with the network cut off: only 127.0.0.1 is reachable.

:func:`load_offline` opens a URL in a fresh Chromium profile, lets its scripts run (virtual time),
and returns the rendered DOM and every URL the page requested (from Chromium's net log). Any host
other than 127.0.0.1 resolves to nothing and every other connection goes to a proxy that refuses
it, so a page that needs the internet (a CDN) does not render. Chromium comes from Debian's
``chromium`` package; :func:`chromium` installs it with apt-get when it is missing and the tests
run as root, else raises :class:`BrowserMissing` (tests then skip, naming why).

Used by the gateway's docs test; any app's tests can use it the same way.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

BASE_FLAGS = (
    "--headless",
    "--no-sandbox",  # as root in a container
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
FLAGS = (
    *BASE_FLAGS,
    "--disable-default-apps",
    "--disable-extensions",
    "--mute-audio",
    # The network cut off: names other than 127.0.0.1 do not resolve, and every connection that is
    # not to loopback (Chromium never proxies loopback) goes to a proxy port nobody listens on.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--proxy-server=http://127.0.0.1:9",
)


class BrowserMissing(RuntimeError):
    pass


@dataclass
class PageLoad:
    dom: str
    requested: list[str]  # the URLs the page (not Chromium itself) requested, in order, each once

    def foreign(self) -> list[str]:
        """Requested URLs that are not on 127.0.0.1 (or data:/blob:)."""
        return [
            u for u in self.requested if not u.startswith(("http://127.0.0.1", "data:", "blob:", "about:"))
        ]


def debian_tool(binaries: tuple[str, ...], package: str) -> str:
    """The first of ``binaries`` on the PATH, installing Debian's ``package`` with apt-get if none is
    (as root); :class:`BrowserMissing` says why when that is impossible."""
    for name in binaries:
        found = shutil.which(name)
        if found:
            return found
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        raise BrowserMissing(
            f"{binaries[0]} is not installed and cannot be (needs root and apt-get): apt-get install {package}"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for args in ([apt, "update", "-qq"], [apt, "install", "-y", "-qq", "--no-install-recommends", package]):
        result = subprocess.run(args, capture_output=True, text=True, env=env, timeout=900, check=False)
        if result.returncode != 0:
            raise BrowserMissing(f"installing {package} failed ({' '.join(args)}): {result.stderr[-500:]}")
    for name in binaries:
        found = shutil.which(name)
        if found:
            return found
    raise BrowserMissing(f"apt-get installed {package} but no {binaries[0]} binary is on the PATH")


def chromium() -> str:
    """The Chromium binary, installed from Debian's packages if missing (as root)."""
    return debian_tool(("chromium", "chromium-browser", "google-chrome"), "chromium")


def load_offline(url: str, *, budget_ms: int = 15000, timeout: float = 120) -> PageLoad:
    """Open ``url`` with the network cut off and return the DOM after ``budget_ms`` of virtual time."""
    binary = chromium()
    with tempfile.TemporaryDirectory(prefix="hanke-chromium-") as tmp:
        netlog = Path(tmp) / "netlog.json"
        result = subprocess.run(
            [
                binary,
                *FLAGS,
                f"--user-data-dir={Path(tmp) / 'profile'}",
                f"--log-net-log={netlog}",
                f"--virtual-time-budget={budget_ms}",
                "--dump-dom",
                url,
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"chromium exited with {result.returncode}: {result.stderr[-2000:]}")
        log = netlog.read_text(errors="replace") if netlog.exists() else ""
    return PageLoad(result.stdout, page_requests(log))


def page_requests(netlog: str) -> list[str]:
    """The URLs of the requests a page made, from a Chromium net log: the main frame and every
    request with the page as its initiator (Chromium's own background requests, which have no
    initiating origin, are left out)."""
    try:
        log = json.loads(netlog)
    except ValueError:  # a log Chromium did not finish: close its event list
        log = json.loads(netlog.rstrip().rstrip(",") + "]}")
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    urls = []
    for event in log.get("events", []):
        params = event.get("params") or {}
        if event.get("type") != start_job or "url" not in params:
            continue
        if params.get("request_type") == "main frame" or params.get("initiator") not in (
            None,
            "not an origin",
        ):
            urls.append(str(params["url"]))
    return list(dict.fromkeys(urls))
