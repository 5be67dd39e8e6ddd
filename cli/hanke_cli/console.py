"""Readable output: one coloured prefix per app."""

from __future__ import annotations

import sys

COLOURS = {"gateway": 36, "budget": 32, "pilots": 35, "participants": 33, "reports": 34, "hanke": 1}
WIDTH = 12


def prefix(name: str) -> str:
    label = f"{name:<{WIDTH}}|"
    if sys.stdout.isatty():
        return f"\033[{COLOURS.get(name, 0)}m{label}\033[0m"
    return label


def say(name: str, message: str) -> None:
    print(f"{prefix(name)} {message}", flush=True)
