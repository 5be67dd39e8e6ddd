"""Traffic lights per indicator from progress toward the target (as THL's Innokylä uses them)."""

from __future__ import annotations

from decimal import Decimal

from pilots.types import Light

GREEN_FROM = Decimal(75)
YELLOW_FROM = Decimal(25)
THRESHOLDS = {"green_from_percent": float(GREEN_FROM), "yellow_from_percent": float(YELLOW_FROM)}
TRAFFIC_LIGHT_RULE = (
    f"traffic_light follows progress_percent: green from {GREEN_FROM} % of the way from the baseline to the "
    f"target, yellow from {YELLOW_FROM} %, red below {YELLOW_FROM} % (including worse than the baseline); "
    "none while the indicator has no visible measurement, a baseline or a target."
)


def light(progress: Decimal | None) -> Light | None:
    if progress is None:
        return None
    if progress >= GREEN_FROM:
        return Light.green
    if progress >= YELLOW_FROM:
        return Light.yellow
    return Light.red
