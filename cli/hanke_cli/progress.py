"""A progress bar for long CLI work, on stderr: redrawn in place on a terminal, one line per stage otherwise."""

from __future__ import annotations

import sys
import time
from typing import TextIO

STAGES = {"read": "reading the file", "check": "checking rows", "write": "writing", "done": "done"}


class ProgressBar:
    """``bar(stage, done, total)`` (the importers' ``progress`` callback)."""

    def __init__(self, label: str, stream: TextIO | None = None, width: int = 30) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.width = width
        self.tty = self.stream.isatty()
        self.stage = ""
        self.started = time.monotonic()
        self.drawn = False

    def __call__(self, stage: str, done: int, total: int) -> None:
        name = STAGES.get(stage, stage)
        if not self.tty:
            if stage != self.stage:
                self.stage = stage
                unit = "bytes" if stage == "read" else "rows"
                self.stream.write(f"{self.label}: {name} ({total} {unit})\n")
                self.stream.flush()
            return
        self.stage = stage
        fraction = 1.0 if stage == "done" or not total else min(done / total, 1.0)
        if stage == "read":
            fraction = 0.0
        filled = int(fraction * self.width)
        bar = "#" * filled + "." * (self.width - filled)
        count = "" if stage == "read" else f" {done}/{total}"
        elapsed = time.monotonic() - self.started
        self.stream.write(f"\r{self.label}: [{bar}] {fraction:4.0%} {name}{count} {elapsed:.1f} s\033[K")
        if stage == "done":
            self.stream.write("\n")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.tty and self.drawn and self.stage != "done":
            self.stream.write("\n")
            self.stream.flush()
