"""The IDK interim evaluation as a person sees it: the HTML opened in headless Chromium with every
chart and its table there, the PDF's pages turned into images (none blank), the DOCX opened."""

from __future__ import annotations

import asyncio
import io
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import httpx
from docx import Document
from PIL import Image

from tests.reports.conftest import Auth
from tests.reports.test_interim_document import CHARTS
from tests.reports.tools import CHROMIUM_FLAGS, need


class Dom(HTMLParser):
    """What the rendered page holds: figures with an SVG inside, tables of each chart with rows."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, dict[str, str | None]]] = []
        self.svg_in: set[str] = set()
        self.rows_in: dict[str, int] = {}
        self.headings: list[str] = []
        self._heading = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.stack.append((tag, a))
        figure = next(
            (x.get("data-chart") for t, x in self.stack if t == "figure" and x.get("data-chart")), None
        )
        table = next(
            (x.get("data-chart-table") for t, x in self.stack if t == "table" and x.get("data-chart-table")),
            None,
        )
        if tag == "svg" and figure:
            self.svg_in.add(figure)
        if tag == "tr" and table and any(t == "tbody" for t, _ in self.stack):
            self.rows_in[table] = self.rows_in.get(table, 0) + 1
        self._heading = tag == "h2"

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break
        self._heading = False

    def handle_data(self, data: str) -> None:
        if self._heading and data.strip():
            self.headings.append(data.strip())


def blank(image: Image.Image) -> bool:
    grey = image.convert("L")
    dark = sum(grey.histogram()[:200])
    return dark < grey.width * grey.height * 0.002


async def document(client: httpx.AsyncClient, auth: Auth, fmt: str, as_of: str = "2021-12-31") -> bytes:
    response = await client.get(
        "/projects/S21894/interim-evaluation",
        params={"as_of": as_of, "format": fmt},
        headers=auth("steering"),
    )
    assert response.status_code == 200, response.text
    return response.content


async def test_html_in_chromium_has_every_chart_and_table(
    client: httpx.AsyncClient, auth: Auth, tmp_path: Path
) -> None:
    chromium = need("chromium", "chromium")
    html = await document(client, auth, "html")
    await asyncio.to_thread(look_at_html, chromium, html, tmp_path)


def look_at_html(chromium: str, html: bytes, tmp_path: Path) -> None:
    page = tmp_path / "interim.html"
    page.write_bytes(html)
    flags = [*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run(
        [chromium, *flags, "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    ).stdout
    parsed = Dom()
    parsed.feed(dom)
    assert parsed.svg_in == set(CHARTS), "every chart is drawn"
    assert set(parsed.rows_in) == set(CHARTS) and all(n >= 1 for n in parsed.rows_in.values()), parsed.rows_in
    assert parsed.headings[:2] == ["Sisällys", "Puuttuvat tiedot"] or parsed.headings[0] == "Sisällys"
    assert "Kh § 81/2019" in dom
    shot = tmp_path / "interim.png"
    subprocess.run(
        [
            chromium,
            *flags,
            "--window-size=1000,2400",
            "--hide-scrollbars",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=180,
        check=True,
    )
    assert not blank(Image.open(shot))


async def test_pdf_pages_are_a4_and_none_is_blank(
    client: httpx.AsyncClient, auth: Auth, tmp_path: Path
) -> None:
    pdftoppm = need("pdftoppm", "poppler-utils")
    body = await document(client, auth, "pdf")
    await asyncio.to_thread(look_at_pdf, pdftoppm, body, tmp_path)


def look_at_pdf(pdftoppm: str, body: bytes, tmp_path: Path) -> None:
    pdf = tmp_path / "interim.pdf"
    pdf.write_bytes(body)
    subprocess.run([pdftoppm, "-r", "30", "-png", str(pdf), str(tmp_path / "page")], check=True, timeout=180)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert 10 <= len(pages) <= 30, len(pages)
    for png in pages:
        image = Image.open(png)
        assert abs(image.width / image.height - 210 / 297) < 0.01, f"{png.name} is not A4"
        assert not blank(image), f"{png.name} is blank"
    text = subprocess.run(
        [pdftoppm.replace("pdftoppm", "pdftotext"), "-layout", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Kh § 81/2019" in text and "Sisällys" in text and f"Sivu 2 / {len(pages)}" in text


async def test_docx_opens_with_charts_tables_and_page_numbers(client: httpx.AsyncClient, auth: Auth) -> None:
    doc = Document(io.BytesIO(await document(client, auth, "docx", "2021-01-01")))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Väliarviointi" in text and "Kh § 81/2019" in text and "Sisällys" in text
    assert len(doc.inline_shapes) == len(CHARTS)
    assert len(doc.tables) >= len(CHARTS)
    footer = doc.sections[0].footer._element.xml
    assert "PAGE" in footer and "NUMPAGES" in footer
    assert round(doc.sections[0].page_width.cm, 1) == 21.0
