"""Which format and language a request asks for.

Format: ``?format=html|pdf|docx|json`` wins over ``Accept``; ``Accept`` is read with its q-values
(``*/*`` and a missing header mean JSON, the API's default). DOCX is offered only for the interim
evaluation (the board's case-management system takes it). Anything else is a 406 problem naming
what is offered. Language: ``?lang=fi|en`` wins over ``Accept-Language``; Finnish by default.
"""

from __future__ import annotations

from hanke_libs.problems import BadRequest, ProblemError

MEDIA = {
    "json": "application/json",
    "html": "text/html",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
BY_MEDIA = {v: k for k, v in MEDIA.items()}


class NotAcceptable(ProblemError):
    status, slug, title = 406, "not-acceptable", "Not acceptable"


def offered(kind: str) -> list[str]:
    return ["json", "html", "pdf", "docx"] if kind == "interim_evaluation" else ["json", "html", "pdf"]


def _weighted(header: str) -> list[tuple[float, int, str]]:
    out = []
    for i, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        q = 1.0
        for f in fields[1:]:
            if f.startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        if media and q > 0:
            out.append((-q, i, media))
    return sorted(out)


def choose_format(kind: str, format_param: str | None, accept: str | None) -> str:
    """``json``, ``html``, ``pdf`` or ``docx``; 406 when none offered is acceptable."""
    formats = offered(kind)
    if format_param:
        if format_param not in formats:
            raise NotAcceptable(
                f"format={format_param} is not offered for a {kind}; choose one of: {', '.join(formats)}.",
                available=formats,
            )
        return format_param
    if not accept or not accept.strip():
        return "json"
    for _q, _i, media in _weighted(accept):
        if media in ("*/*", "application/*"):
            return "json"
        if media == "text/*":
            return "html"
        name = BY_MEDIA.get(media) or ("json" if media == "application/problem+json" else None)
        if name in formats:
            return name
    raise NotAcceptable(
        f"None of the media types in Accept ({accept[:200]}) is offered for a {kind}; offered: "
        + ", ".join(MEDIA[f] for f in formats)
        + ". Or use ?format="
        + "|".join(formats)
        + ".",
        available=[MEDIA[f] for f in formats],
    )


def choose_lang(lang_param: str | None, accept_language: str | None) -> str:
    if lang_param:
        if lang_param not in ("fi", "en"):
            raise BadRequest(f"lang={lang_param} is not offered; use fi or en.", slug="unsupported-language")
        return lang_param
    for _q, _i, tag in _weighted(accept_language or ""):
        primary = tag.split("-")[0]
        if primary in ("fi", "en"):
            return primary
    return "fi"
