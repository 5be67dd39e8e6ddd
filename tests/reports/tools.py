"""Debian tools the document tests look through (headless Chromium, poppler's pdftoppm): installed
with apt-get when missing and the tests run as root (tests/browser.py); otherwise the test is
skipped and says why."""

from __future__ import annotations

import pytest

from tests.browser import BASE_FLAGS, BrowserMissing, debian_tool

CHROMIUM_FLAGS = list(BASE_FLAGS)


def need(binary: str, package: str) -> str:
    """The path of ``binary``, installing Debian's ``package`` if it is missing; skips if impossible."""
    try:
        return debian_tool((binary,), package)
    except BrowserMissing as why:
        pytest.skip(f"{why}: install it to run this test")
