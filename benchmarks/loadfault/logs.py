"""Evidence from the apps' logs: each traceback reduced to a signature (the innermost frame in the
project's own code and the exception line), counted, with the time of its first occurrence."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

OWN_CODE = re.compile(r'File "[^"]*/(libs|services|gateway|cli)/([^"]+)", line (\d+), in (\S+)')
STAMP = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)")
EXCEPTION = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt|Warning)\w*(: .*)?$")


@dataclass
class Signature:
    where: str  # innermost project frame: path:line in function
    exception: str  # the last exception line of the traceback
    count: int = 0
    first_at: str = ""


@dataclass
class LogEvidence:
    by_app: dict[str, list[Signature]] = field(default_factory=dict)
    error_lines: Counter[str] = field(default_factory=Counter)

    @property
    def tracebacks(self) -> int:
        return sum(s.count for sigs in self.by_app.values() for s in sigs)


def tracebacks(text: str) -> list[tuple[str, str, str]]:
    """(time, innermost own frame, escaping exception) of every log record holding a traceback.

    A record runs from one time-stamped line to the next, so a chain of tracebacks ("The above
    exception was the direct cause ...") counts once, as the exception that escaped last."""
    out: list[tuple[str, str, str]] = []
    record: list[str] = []

    def close() -> None:
        if not any(ln.startswith("Traceback (most recent call last)") for ln in record):
            return
        frames = [m for ln in record if (m := OWN_CODE.search(ln))]
        where = (
            f"{frames[-1].group(1)}/{frames[-1].group(2)}:{frames[-1].group(3)} in {frames[-1].group(4)}"
            if frames
            else "(no project frame)"
        )
        excs = [ln for ln in record if not ln.startswith(" ") and EXCEPTION.match(ln)]
        stamp = STAMP.match(record[0])
        out.append((stamp.group(1) if stamp else "", where, (excs[-1] if excs else "?")[:300]))

    for line in text.splitlines():
        if STAMP.match(line) and record:
            close()
            record = []
        record.append(line)
    if record:
        close()
    return out


def collect(logs: dict[str, Path]) -> LogEvidence:
    evidence = LogEvidence()
    for app, path in logs.items():
        try:
            text = path.read_text(errors="replace")
        except OSError:
            continue
        sigs: dict[tuple[str, str], Signature] = {}
        for stamp, where, exc in tracebacks(text):
            sig = sigs.setdefault((where, exc), Signature(where, exc, first_at=stamp))
            sig.count += 1
        if sigs:
            evidence.by_app[app] = sorted(sigs.values(), key=lambda s: -s.count)
    return evidence


def lines(evidence: LogEvidence, limit: int = 8) -> list[str]:
    if not evidence.by_app:
        return ["TRACEBACKS IN THE APPS' LOGS: none"]
    out = [f"TRACEBACKS IN THE APPS' LOGS: {evidence.tracebacks} (by innermost project frame and exception)"]
    for app, sigs in evidence.by_app.items():
        out.append(f"  {app}:")
        for s in sigs[:limit]:
            out.append(f"    {s.count:>5} x  {s.where}  ->  {s.exception[:200]}  (first {s.first_at})")
        if len(sigs) > limit:
            out.append(f"    ... {len(sigs) - limit} more signatures")
    return out
