"""Draw a chart spec of the document model: ``bar`` (grouped columns), ``hbar`` (grouped bars) and
``combo`` (columns with a line on a second axis).

Output is deterministic (no dates in the metadata, a fixed id salt), so a frozen version's charts
are the same bytes every time. matplotlib's object API is used without pyplot, under one lock
because its rcParams are global.
"""

from __future__ import annotations

import hashlib
import io
import json
import textwrap
import threading
from collections import OrderedDict
from typing import Any

import matplotlib

matplotlib.use("Agg")

from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

PALETTE = ["#1f5fa6", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948"]
_LOCK = threading.Lock()
_CACHE: OrderedDict[str, bytes] = OrderedDict()
CACHE_ENTRIES = 256
RC: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 8.5,
    "svg.hashsalt": "hanke-reports",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#555555",
    "axes.grid": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "axes.axisbelow": True,
}


def _fmt(lang: str, unit: str) -> FuncFormatter:
    def f(value: float, _pos: int) -> str:
        big = abs(value) >= 10000
        text = f"{value / 1000:,.0f} k" if big else f"{value:,.{0 if value == int(value) else 1}f}"
        if lang == "fi":
            text = text.replace(",", "\u00a0").replace(".", ",")
        return text + (f" {unit}" if unit and not big else (" €" if big and unit == "€" else ""))

    return FuncFormatter(f)


def _wrap(label: str, width: int) -> str:
    return "\n".join(textwrap.wrap(label, width)) or label


def _legend(ax: Any, spec: dict[str, Any], handles: list[Any]) -> None:
    if spec.get("legend"):
        ax.legend(
            handles=[Patch(color=item["color"], label=item["name"]) for item in spec["legend"]],
            fontsize=7.5,
            frameon=False,
            loc="best",
        )
    elif len(spec["series"]) > 1:
        ax.legend(handles=handles, fontsize=7.5, frameon=False, loc="best")


def _bars(fig: Figure, spec: dict[str, Any], lang: str, horizontal: bool) -> None:
    ax = fig.add_subplot()
    cats, series = spec["categories"], spec["series"]
    n = max(len(series), 1)
    width = 0.8 / n
    handles = []
    for s_i, s in enumerate(series):
        offsets = [i - 0.4 + width * (s_i + 0.5) for i in range(len(cats))]
        values = [v if v is not None else 0.0 for v in s["values"]]
        colours = (
            spec.get("colors") if n == 1 and spec.get("colors") else [PALETTE[s_i % len(PALETTE)]] * len(cats)
        )
        draw = ax.barh if horizontal else ax.bar
        bars = draw(offsets, values, width * 0.95, color=colours, label=s["name"])
        for bar, v in zip(bars, s["values"], strict=True):
            if v is None:
                bar.set_visible(False)
        handles.append(bars)
    if all(v is None for s in series for v in s["values"]):  # every group under 10: nothing to draw
        (ax.set_xlim if horizontal else ax.set_ylim)(0, 1)
    ticks = list(range(len(cats)))
    for i, note in enumerate(spec.get("annotations") or []):
        if note:
            if horizontal:
                ax.text(0, i, " " + note, va="center", ha="left", fontsize=7, color="#666666", style="italic")
            else:
                ax.text(
                    i,
                    0,
                    _wrap(note, 14),
                    ha="center",
                    va="bottom",
                    fontsize=6.5,
                    color="#666666",
                    style="italic",
                )
    if horizontal:
        ax.set_yticks(ticks, [_wrap(c, 34) for c in cats])
        ax.invert_yaxis()
        ax.xaxis.set_major_formatter(_fmt(lang, spec.get("unit", "")))
        ax.grid(axis="y", visible=False)
        if spec.get("reference") is not None:
            ax.axvline(spec["reference"], color="#333333", linewidth=0.8, linestyle="--")
    else:
        ax.set_xticks(ticks, [_wrap(c, 16) for c in cats])
        ax.yaxis.set_major_formatter(_fmt(lang, spec.get("unit", "")))
        ax.grid(axis="x", visible=False)
        if spec.get("integer"):
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    _legend(ax, spec, handles)


def _combo(fig: Figure, spec: dict[str, Any], lang: str) -> None:
    ax = fig.add_subplot()
    cats = spec["categories"]
    first, second = spec["series"][0], spec["series"][1]
    xs = list(range(len(cats)))
    bars = ax.bar(xs, [v or 0 for v in first["values"]], 0.6, color=PALETTE[0], label=first["name"])
    ax.set_xticks(xs, [_wrap(c, 10) for c in cats], fontsize=7)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(first["name"])
    right = ax.twinx()
    (line,) = right.plot(
        xs, [v or 0 for v in second["values"]], color=PALETTE[1], marker="o", label=second["name"]
    )
    right.set_ylabel(second["name"])
    right.spines["right"].set_visible(True)
    right.grid(False)
    right.set_ylim(bottom=0)
    ax.legend(handles=[bars, line], fontsize=7.5, frameon=False, loc="upper left")


def render(spec: dict[str, Any], *, fmt: str = "svg", lang: str = "fi", text_as_paths: bool = False) -> bytes:
    """The chart as SVG or PNG bytes (the same spec gives the same bytes, so they are cached)."""
    key = hashlib.sha256(json.dumps([spec, fmt, lang, text_as_paths], sort_keys=True).encode()).hexdigest()
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is not None:
            _CACHE.move_to_end(key)
            return hit
    out = _draw(spec, fmt=fmt, lang=lang, text_as_paths=text_as_paths)
    with _LOCK:
        _CACHE[key] = out
        while len(_CACHE) > CACHE_ENTRIES:
            _CACHE.popitem(last=False)
    return out


def _draw(spec: dict[str, Any], *, fmt: str, lang: str, text_as_paths: bool) -> bytes:
    rows = len(spec["categories"]) * (len(spec["series"]) if spec["type"] == "hbar" else 1)
    height = max(2.6, min(7.5, 0.9 + 0.28 * rows)) if spec["type"] == "hbar" else 3.0
    rc: Any = {**RC, "svg.fonttype": "path" if text_as_paths else "none"}
    with _LOCK, rc_context(rc):
        fig = Figure(figsize=(6.6, height), dpi=100)
        left = 0.36 if spec["type"] == "hbar" else 0.1
        fig.subplots_adjust(
            left=left,
            right=0.9 if spec["type"] == "combo" else 0.97,
            top=0.95,
            bottom=0.18 if spec["type"] != "hbar" else 0.1,
        )
        if spec["type"] == "combo":
            _combo(fig, spec, lang)
        else:
            _bars(fig, spec, lang, horizontal=spec["type"] == "hbar")
        out = io.BytesIO()
        if fmt == "png":
            fig.savefig(out, format="png", dpi=150, metadata={"Software": None})
        else:
            fig.savefig(
                out, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None}
            )
        return out.getvalue()


def clear_cache() -> None:
    """Forget every drawn chart (benchmarks measure cold renders)."""
    with _LOCK:
        _CACHE.clear()
