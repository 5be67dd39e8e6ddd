"""Indicator values: numbers stay numbers; progress toward the target."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

PROGRESS_FORMULA = (
    "progress_percent = (latest - baseline) / (target - baseline) x 100, rounded half up to one decimal, "
    "not clamped (below 0 = worse than the baseline, over 100 = beyond the target). latest is the visible "
    "measurement with the latest date. Only numeric indicators with a baseline and a target that differ "
    "have progress; the direction (higher or lower is better) is built in because the target lies on the "
    "better side of the baseline."
)


def parse_number(raw: object) -> Decimal:
    """A Decimal from a JSON number or text such as '1 234,5' or '12.5'; ValueError otherwise."""
    if isinstance(raw, bool):
        raise ValueError("a boolean is not a number")
    if isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, int | float):
        value = Decimal(str(raw))
    elif isinstance(raw, str):
        text = raw.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"{raw!r} is not a number") from None
    else:
        raise ValueError(f"{raw!r} is not a number")
    if not value.is_finite():
        raise ValueError(f"{raw!r} is not a finite number")
    if abs(value) >= Decimal("1e15"):
        raise ValueError(f"{raw!r} is too large")
    return value


def progress_percent(baseline: Decimal, target: Decimal, latest: Decimal) -> Decimal | None:
    if target == baseline:
        return None
    ratio = (latest - baseline) / (target - baseline) * 100
    return ratio.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
