"""Indicator values: numbers stay numbers; progress toward the target."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

PROGRESS_FORMULA = (
    "progress_percent = (latest - baseline) / (target - baseline) x 100, rounded half up to one decimal, "
    "not clamped (below 0 = worse than the baseline, over 100 = beyond the target). latest is the visible "
    "measurement with the latest date. Only numeric indicators with a baseline and a target that differ "
    "have progress; the direction (higher or lower is better) is built in because the target lies on the "
    "better side of the baseline."
)


def progress_percent(baseline: Decimal, target: Decimal, latest: Decimal) -> Decimal | None:
    if target == baseline:
        return None
    ratio = (latest - baseline) / (target - baseline) * 100
    return ratio.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
