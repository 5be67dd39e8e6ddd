"""What each client remembers between its requests."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Entry:
    id: int
    version: int
    location: str
    # An edit of it went unanswered (5xx, no answer): the service may still apply it later, so the
    # next edit with the version read meanwhile may rightly get 412.
    uncertain: bool = False


@dataclass
class ClientState:
    n: int
    rng: random.Random
    entries: list[Entry] = field(default_factory=list)
    pilot: str = ""
    pilot_version: int = 1
    pilot_uncertain: bool = False  # as Entry.uncertain, for the client's own pilot
    seq: int = 0
    cursor: str | None = None

    def next(self) -> int:
        self.seq += 1
        return self.seq
