"""The PDF document: A4, typeset by Typst (the ``typst`` wheel carries the compiler) from one
template that reads the document model as JSON, with the charts as SVG (text drawn as paths) and the
DejaVu fonts matplotlib ships, system fonts ignored: the same bytes on every machine."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import matplotlib
import typst

from reports.charts import render as draw

TEMPLATE = (Path(__file__).parent / "templates" / "report.typ").read_bytes()
FONTS = [os.path.join(matplotlib.get_data_path(), "fonts", "ttf")]


def render_pdf(doc: dict[str, Any], *, link_base: str) -> bytes:
    inputs = {"doc": json.dumps({**doc, "link_base": link_base.rstrip("/")}, ensure_ascii=False)}
    for section in doc["sections"]:
        for block in section["blocks"]:
            if block["type"] == "chart":
                svg = draw(block["chart"], fmt="svg", lang=doc["lang"], text_as_paths=True)
                inputs[f"chart-{block['id']}"] = svg.decode("utf-8")
    compile_: Any = typst.compile  # its overloads tie font_paths' type to the input's (bytes here)
    pdf: bytes = compile_(
        TEMPLATE, format="pdf", font_paths=FONTS, ignore_system_fonts=True, sys_inputs=inputs
    )
    return pdf
