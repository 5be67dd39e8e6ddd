"""Splitting an amount between funding sources: the one rounding rule of the service.

Rule ("remainder to the last source"): sources are taken in their ``position`` order; every source
but the last gets its share of the amount rounded half up to the cent
(:func:`hanke_libs.money.round_cents`); the last source gets the amount minus the others. So the
parts always sum exactly to the amount. The same rule splits an implementer's own amount, which is
how each implementer's own funding is found. Flat-rate amounts are computed per voucher
(``round_cents(staff cost × rate)``) and every larger figure is a plain sum of those.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

from hanke_libs.money import round_cents


class Share(Protocol):
    """A funding source as the rule needs it (a table row or a plan's source)."""

    @property
    def code(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def share_bp(self) -> int: ...
    @property
    def position(self) -> int: ...


RULE = (
    "Funding shares: every source but the last (in position order) gets round_half_up(amount × share) "
    "to the cent; the last source gets the remainder, so the parts sum exactly to the amount. "
    "Flat rates: round_half_up(staff cost × rate) per voucher; every total is a sum of its rows."
)


def share_percent(source: Share) -> Decimal:
    return (Decimal(source.share_bp) / 100).quantize(Decimal("0.01"))


def split(amount: Decimal, sources: Sequence[Share]) -> dict[str, Decimal]:
    """``amount`` split between ``sources`` (ordered by position) by the rule above."""
    ordered = sorted(sources, key=lambda s: s.position)
    parts: dict[str, Decimal] = {}
    rest = amount
    for source in ordered[:-1]:
        part = round_cents(amount * Decimal(source.share_bp) / Decimal(10000))
        parts[source.code] = part
        rest -= part
    if ordered:
        parts[ordered[-1].code] = rest
    return parts


def own_part(amount: Decimal, sources: Sequence[Share]) -> Decimal:
    """The own-funding part of ``amount`` (sum of the parts of sources of kind ``own``)."""
    parts = split(amount, sources)
    return sum((parts[s.code] for s in sources if s.kind == "own"), Decimal("0.00"))


def flat_amount(amount: Decimal, rate: Decimal | None) -> Decimal:
    """The flat-rate amount of one staff voucher (zero without a flat-rate cost model)."""
    if rate is None:
        return Decimal("0.00")
    return round_cents(amount * rate)
