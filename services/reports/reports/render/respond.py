"""A snapshot as the response the caller asked for: JSON (snapshot and document model), HTML, PDF
or DOCX. Rendering is CPU work and runs in a worker thread, never on the event loop."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from fastapi import Request, Response
from fastapi.responses import JSONResponse

from hanke_libs.auth import Principal
from hanke_libs.etag import content_etag
from reports.document.build import build
from reports.drafting.snapshot import for_viewer
from reports.render.docx import render_docx
from reports.render.html import render_html
from reports.render.negotiate import MEDIA, choose_format, choose_lang
from reports.render.pdf import render_pdf


def wanted(request: Request, kind: str, format_param: str | None, lang_param: str | None) -> tuple[str, str]:
    """(format, language) of the request: 406 / 400 problems before any upstream is called."""
    return (
        choose_format(kind, format_param, request.headers.get("accept")),
        choose_lang(lang_param, request.headers.get("accept-language")),
    )


def render_bytes(snapshot: dict[str, Any], fmt: str, lang: str, *, link_base: str) -> bytes:
    doc = build(snapshot, lang)
    if fmt == "html":
        return render_html(doc)
    if fmt == "pdf":
        return render_pdf(doc, link_base=link_base)
    version = snapshot.get("version") or {}
    stamp = dt.datetime.fromisoformat(version.get("frozen_at") or snapshot["drafted_at"])
    return render_docx(doc, link_base=link_base, stamp=stamp)


async def respond(
    snapshot: dict[str, Any],
    fmt: str,
    lang: str,
    *,
    link_base: str,
    filename: str,
    principal: Principal,
    extra: dict[str, Any] | None = None,
) -> Response:
    snapshot = for_viewer(snapshot, principal)
    headers = {"Content-Language": lang, "Vary": "Accept, Accept-Language"}
    if fmt == "json":
        doc = await asyncio.to_thread(build, snapshot, lang)
        return JSONResponse({**(extra or {}), "snapshot": snapshot, "document": doc}, headers=headers)
    body = await asyncio.to_thread(render_bytes, snapshot, fmt, lang, link_base=link_base)
    headers["ETag"] = content_etag(body)
    if fmt in ("pdf", "docx"):
        headers["Content-Disposition"] = f'attachment; filename="{filename}-{lang}.{fmt}"'
    media = MEDIA[fmt] + ("; charset=utf-8" if fmt == "html" else "")
    return Response(body, media_type=media, headers=headers)
