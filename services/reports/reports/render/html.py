"""The HTML document: Jinja2 templates (autoescaped), charts inline as SVG with text, each with its
table of numbers below it and a link to the rows behind every figure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from reports.charts import render as draw

TEMPLATES = Path(__file__).parent / "templates"
_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html", "j2"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _svg(spec: dict[str, Any], lang: str) -> Markup:
    svg = draw(spec, fmt="svg", lang=lang).decode("utf-8")
    start = svg.find("<svg")  # drop the XML prolog and doctype: the SVG sits inside HTML
    return Markup(svg[start:])


def render_html(doc: dict[str, Any]) -> bytes:
    charts = {
        block["id"]: _svg(block["chart"], doc["lang"])
        for section in doc["sections"]
        for block in section["blocks"]
        if block["type"] == "chart"
    }
    return _env.get_template("report.html.j2").render(doc=doc, charts=charts).encode("utf-8")
