"""Debian tools the document tests look through (headless Chromium, poppler's pdftoppm): installed
with apt-get when missing and the tests run as root; otherwise the test is skipped and says why."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _apt(package: str) -> str:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (
        ["apt-get", "install", "-y", "-qq", package],
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", package],
    ):
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900, check=False)
        if done.returncode == 0 and command[1] == "install":
            return ""
    return (done.stderr or done.stdout).strip()[-300:]


def need(binary: str, package: str) -> str:
    """The path of ``binary``, installing Debian's ``package`` if it is missing; skips if impossible."""
    found = shutil.which(binary)
    if found:
        return found
    why = "not root" if os.geteuid() != 0 else "no apt-get" if not shutil.which("apt-get") else _apt(package)
    found = shutil.which(binary)
    if not found:
        pytest.skip(
            f"{binary} is missing and Debian's {package} could not be installed ({why}): install it to run this test"
        )
    return found
