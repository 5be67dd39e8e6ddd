"""What the routers share: path parameters, role dependencies, the collector of a request."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Depends, Path, Query, Request

from hanke_libs.auth import Principal
from hanke_libs.inputs import StrictDate
from hanke_libs.peers import PeerClient
from reports import access
from reports.config import Settings
from reports.upstream import Collector, Progress

Code = Annotated[
    str,
    Path(
        min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$", description='Project code, e.g. "S21894"'
    ),
]
Day = Annotated[StrictDate | None, Query(description="The day statuses are for (default: today)")]
Format = Annotated[
    str | None,
    Query(
        pattern=r"^[a-z]{1,10}$", description="html, pdf, docx (interim evaluation) or json; wins over Accept"
    ),
]
Lang = Annotated[
    str | None, Query(pattern=r"^[a-z]{2}$", description="fi (default) or en; wins over Accept-Language")
]
Reader = Annotated[Principal, Depends(access.reader)]
Manager = Annotated[Principal, Depends(access.manager)]
Narrator = Annotated[Principal, Depends(access.narrator)]
OutboxReader = Annotated[Principal, Depends(access.outbox_reader)]


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def peers_of(request: Request) -> dict[str, PeerClient]:
    peers: dict[str, PeerClient] = request.app.state.peers
    return peers


def collector(request: Request, principal: Principal, progress: Progress | None = None) -> Collector:
    return Collector(
        peers_of(request),
        principal,
        deadline_seconds=settings_of(request).draft_deadline_seconds,
        progress=progress,
    )


def today(day: dt.date | None) -> dt.date:
    return day or dt.date.today()
