"""What the load records: one :class:`Sample` per request, one :class:`Ack` per acknowledged write,
and the outcome of every deliberately conflicting pair."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field


@dataclass(slots=True)
class Sample:
    kind: str  # the request kind (summary, post_cost, ...)
    service: str  # budget | pilots | participants | views
    start: float  # time.monotonic()
    end: float
    status: int  # HTTP status; 0 = connection error, -1 = no answer within the client timeout
    problem: str = ""  # the problem type's last path segment, when the answer is a problem document
    expected: bool = True  # a 2xx, or the status a deliberate conflict is meant to get
    degraded: bool = False  # a composed view that answered with parts missing
    content_type: str = ""
    detail: str = ""  # method, path and the problem's detail, for answers that were not expected

    @property
    def ms(self) -> float:
        return (self.end - self.start) * 1000.0


@dataclass
class Ack:
    """A write the product acknowledged (2xx): it must be found afterwards with these values."""

    kind: str  # cost | pilot | timeline | coaching
    key: str  # the id (cost entries: the id from Location)
    at: float
    parent: str = ""  # the pilot of a timeline post
    # field -> acceptable values (more than one when a later write's outcome is unknown)
    expect: dict[str, set[str]] = field(default_factory=dict)
    location: str = ""


@dataclass
class Pairs:
    """Deliberate conflicts: two identical requests at once, exactly one may win."""

    rounds: int = 0
    one_winner: int = 0
    both_won: int = 0  # a lost update / a double booking
    none_won: int = 0
    unknown: int = 0  # a part answered 5xx or not at all (during a fault)
    examples: list[str] = field(default_factory=list)

    def note(self, statuses: tuple[int, int], win: int, lose: int, uncertain: bool = False) -> str:
        """Count one pair; ``uncertain``: an earlier write of the same object went unanswered and may
        have landed since it was read, so two losers are possible and count as unknown."""
        self.rounds += 1
        wins = sum(1 for s in statuses if s == win)
        losses = sum(1 for s in statuses if s == lose)
        if wins == 1 and losses == 1:
            self.one_winner += 1
            return "one"
        if wins == 2:
            self.both_won += 1
            verdict = "both"
        elif losses == 2 and uncertain:
            self.unknown += 1
            return "unknown"
        elif losses == 2:
            self.none_won += 1
            verdict = "none"
        else:
            self.unknown += 1
            return "unknown"
        if len(self.examples) < 5:
            self.examples.append(f"{statuses}")
        return verdict


class Recorder:
    """Everything the clients saw, for the report and the verification afterwards."""

    def __init__(self) -> None:
        self.samples: list[Sample] = []
        self.acks: dict[tuple[str, str], Ack] = {}
        self.unknown_writes: Counter[str] = Counter()  # writes answered 5xx / not at all
        self.read_your_write_misses: list[str] = []  # an acknowledged entry read back as 404
        self.pairs: dict[str, Pairs] = {
            "duplicate_voucher": Pairs(),
            "cost_edit_race": Pairs(),
            "pilot_edit_race": Pairs(),
        }
        self.unexpected_examples: list[str] = []

    def add(self, sample: Sample, detail: str = "") -> None:
        self.samples.append(sample)
        if not sample.expected:
            sample.detail = detail[:300]
        if not sample.expected and len(self.unexpected_examples) < 40:
            when = time.strftime("%H:%M:%S")
            self.unexpected_examples.append(
                f"{when} {sample.kind} -> {sample.status} {sample.problem} {detail[:200]}".rstrip()
            )

    def ack(self, ack: Ack) -> None:
        self.acks[(ack.kind, ack.key)] = ack
