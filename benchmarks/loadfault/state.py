"""What each client remembers between its requests."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Entry:
    id: int
    version: int
    location: str


@dataclass
class ClientState:
    n: int
    rng: random.Random
    entries: list[Entry] = field(default_factory=list)
    pilot: str = ""
    pilot_version: int = 1
    seq: int = 0
    cursor: str | None = None

    def next(self) -> int:
        self.seq += 1
        return self.seq
