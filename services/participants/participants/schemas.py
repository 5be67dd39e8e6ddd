"""Types shared by the API models of every concept (each concept keeps its own ``schemas``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Generic, TypeVar

from pydantic import Field, PlainSerializer

from hanke_libs.inputs import StrictDate
from hanke_libs.paging import Page

HoursStr = Annotated[Decimal, PlainSerializer(lambda v: f"{v:.2f}", return_type=str, when_used="json")]
ProjectCode = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.\-]+$")]
PilotId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")]
AsOfQuery = StrictDate
AsOfDescription = (
    "Figures as of this day (YYYY-MM-DD): champions enrolled by then and not ended before it, "
    "coaching events up to it, assessment rounds closed by then"
)

T = TypeVar("T")


class AsOfPage(Page[T], Generic[T]):
    """A page of a list that can be read as of a day; ``as_of`` null: everything recorded."""

    as_of: dt.date | None = None
