"""API types every concept of the budget service shares (never table models).

Money is a string with two decimals in JSON; enums are the vocabulary of ESR projects.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from hanke_libs.inputs import MultiLineText, SingleLineText


def _money_str(value: Decimal) -> str:
    return f"{value:.2f}"


Money = Annotated[Decimal, PlainSerializer(_money_str, return_type=str, when_used="json")]
"""An amount in euros, serialised as a string with two decimals (e.g. "1592580.00")."""

MoneyIn = Annotated[
    Decimal,
    Field(max_digits=13, decimal_places=2, description="Euros with at most two decimals"),
    PlainSerializer(_money_str, return_type=str, when_used="json"),
]
BusinessId = Annotated[str, Field(min_length=3, max_length=20, pattern=r"^[0-9A-Za-z\-]+$")]
Line = SingleLineText
"""One line of text without control characters (names, references, voucher descriptions)."""
Text = MultiLineText
"""Free text with line breaks but no other control characters (reasons, notes)."""
"""A Finnish business id (Y-tunnus) such as 0171450-7: how implementers are named."""


class CostModel(StrEnum):
    actual = "actual"
    flat_17 = "flat_17"
    flat_24 = "flat_24"
    flat_40 = "flat_40"
    lump_sum = "lump_sum"


FLAT_RATES = {"flat_17": Decimal("0.17"), "flat_24": Decimal("0.24"), "flat_40": Decimal("0.40")}


class ImplementerRole(StrEnum):
    lead = "lead"
    co = "co"


class SourceKind(StrEnum):
    esr = "esr"
    own = "own"
    municipal = "municipal"
    other_public = "other_public"
    private = "private"


class VersionKind(StrEnum):
    applied = "applied"
    decided = "decided"
    amended = "amended"


class EntryKind(StrEnum):
    expense = "expense"
    correction = "correction"
    income = "income"


class VatTreatment(StrEnum):
    not_applicable = "not_applicable"
    excluded_recoverable = "excluded_recoverable"
    included_not_recoverable = "included_not_recoverable"


class Strict(BaseModel):
    """Base of request bodies: unknown fields are refused (a typo is never silently ignored)."""

    model_config = ConfigDict(extra="forbid")


class BudgetInUse(BaseModel):
    """Which budget version a figure's ``planned`` / ``budget`` means: the version in force."""

    number: int | None = Field(description="The version in force (null: the project has none yet)")
    kind: str | None = Field(default=None, description="applied | decided | amended")
    effective_from: str | None = Field(default=None, description="In force since (YYYY-MM-DD)")
    decision: str | None = Field(default=None, description="The decision reference it rests on, if any")


class FigureScope(BaseModel):
    """Whose rows a figure or list covers: all implementers, or one finance caller's own."""

    implementer: str | None = Field(
        description="null: every implementer; otherwise only this implementer's rows (finance)"
    )


def scope_of(implementer: str | None) -> dict[str, Any]:
    return {"implementer": implementer}
