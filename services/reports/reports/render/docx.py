"""The DOCX document (the interim evaluation for the board's case-management system): python-docx,
with a title page, a table of contents, page numbers in the footer, charts as PNG with their tables.

Deterministic: the package's dates are the snapshot's (not now), and the zip entries get a fixed
timestamp, so a frozen version gives the same bytes every time.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

from docx import Document
from docx.enum.text import WD_BREAK
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from reports.charts import render as draw

BLUE = RGBColor(0x00, 0x52, 0x9B)
ZIP_TIME = (2000, 1, 1, 0, 0, 0)


def _hyperlink(paragraph: Any, url: str, text: str) -> None:
    rel = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rel)
    run = OxmlElement("w:r")
    props = OxmlElement("w:rPr")
    colour = OxmlElement("w:color")
    colour.set(qn("w:val"), "00529B")
    props.append(colour)
    run.append(props)
    node = OxmlElement("w:t")
    node.text = text
    run.append(node)
    link.append(run)
    paragraph._p.append(link)


def _field(paragraph: Any, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) in ``paragraph``."""
    for kind, text in (("begin", None), (None, instruction), ("end", None)):
        run = paragraph.add_run()
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        else:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)


def _table(document: Any, tab: dict[str, Any], doc: dict[str, Any], link_base: str) -> None:
    columns = [*tab["columns"], doc["labels"]["source"]]
    table = document.add_table(rows=1, cols=len(columns))
    table.style = "Table Grid"
    for cell, name in zip(table.rows[0].cells, columns, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(name)
        run.bold = True
        run.font.size = Pt(8)
    for row in tab["rows"]:
        cells = table.add_row().cells
        for cell, value in zip(cells, row["cells"], strict=False):
            cell.text = ""
            cell.paragraphs[0].add_run(str(value)).font.size = Pt(8)
        if row.get("link"):
            url = link_base + row["link"] if row["link"].startswith("/") else row["link"]
            _hyperlink(cells[-1].paragraphs[0], url, doc["labels"]["rows"])


def _block(document: Any, b: dict[str, Any], doc: dict[str, Any], link_base: str) -> None:
    kind = b["type"]
    if kind in ("paragraph", "notice"):
        p = document.add_paragraph(b["text"])
        if kind == "notice":
            p.runs[0].italic = True
    elif kind == "facts":
        _table(
            document,
            {
                "columns": ["", ""],
                "rows": [{"cells": [r["label"], r["value"]], "link": r.get("link")} for r in b["rows"]],
            },
            doc,
            link_base,
        )
    elif kind == "narrative":
        document.add_heading(b["title"], level=2)
        if b["text"]:
            for para in b["text"].split("\n\n"):
                document.add_paragraph(para)
            document.add_paragraph(f"{doc['labels']['written_by']}: {b['by']}").runs[0].font.size = Pt(8)
        else:
            document.add_paragraph(b["empty"]).runs[0].italic = True
    elif kind == "chart":
        document.add_heading(b["title"], level=2)
        png = draw(b["chart"], fmt="png", lang=doc["lang"])
        document.add_picture(io.BytesIO(png), width=Cm(16))
        _table(document, b["table"], doc, link_base)
        if b.get("note"):
            document.add_paragraph(b["note"]).runs[0].font.size = Pt(8)
        source = document.add_paragraph(
            f"{doc['labels']['source']}: {b['source']['service']} GET {b['source']['endpoint']} "
        )
        source.runs[0].font.size = Pt(8)
        if b["source"].get("link"):
            _hyperlink(source, link_base + b["source"]["link"], b["source"]["link"])
    elif kind == "table":
        _table(document, b["table"], doc, link_base)


def _title_page(document: Any, doc: dict[str, Any]) -> None:
    city = document.add_paragraph().add_run("KUOPION KAUPUNKI · KUOPIO")
    city.bold, city.font.color.rgb = True, BLUE
    title = document.add_paragraph().add_run(doc["title"])
    title.bold, title.font.size, title.font.color.rgb = True, Pt(26), BLUE
    document.add_paragraph(f"{doc['project_name']} ({doc['project_code']})").runs[0].font.size = Pt(13)
    document.add_paragraph(doc["programme"])
    document.add_paragraph(f"{doc['labels']['decision']}: {doc['decision_text']}")
    document.add_paragraph(f"{doc['as_of_label']}: {doc['as_of']}")
    if doc["period"]:
        document.add_paragraph(f"{doc['period_label']}: {doc['period']}")
    document.add_paragraph(doc["status"])
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _stable_zip(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


def render_docx(doc: dict[str, Any], *, link_base: str, stamp: dt.datetime) -> bytes:
    """The document as DOCX; ``stamp`` is the snapshot's time (frozen or drafted), used as the
    package's created and modified dates."""
    link_base = link_base.rstrip("/")
    document = Document()
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(2.0)
    document.styles["Normal"].font.name = "DejaVu Sans"
    document.styles["Normal"].font.size = Pt(10)
    props = document.core_properties
    stamp = stamp.replace(tzinfo=None, microsecond=0)
    props.title, props.author, props.subject = doc["title"], "Hanke", doc["decision_ref"]
    props.created = props.modified = props.last_printed = stamp
    props.revision = 1
    footer = section.footer.paragraphs[0]
    footer.add_run(f"{doc['title']} · {doc['project_code']} · {doc['labels']['page']} ")
    _field(footer, "PAGE")
    footer.add_run(" / ")
    _field(footer, "NUMPAGES")
    _title_page(document, doc)
    document.add_heading(doc["labels"]["contents"], level=1)
    for s in doc["sections"]:
        document.add_paragraph(f"{s['number']}. {s['title']}")
    if doc["missing"]:
        document.add_heading(doc["labels"]["missing"], level=2)
        for m in doc["missing"]:
            document.add_paragraph(m, style="List Bullet")
    for s in doc["sections"]:
        document.add_page_break()
        document.add_heading(f"{s['number']}. {s['title']}", level=1)
        for b in s["blocks"]:
            _block(document, b, doc, link_base)
    out = io.BytesIO()
    document.save(out)
    return _stable_zip(out.getvalue())
