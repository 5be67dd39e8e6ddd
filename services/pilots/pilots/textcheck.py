"""Text without control characters (until ``hanke_libs.inputs`` is on main, then this module goes)."""

from __future__ import annotations


def _bad(text: str, multi: bool) -> tuple[int, str] | None:
    for i, ch in enumerate(text):
        code = ord(ch)
        if code < 0x20 or 0x7F <= code <= 0x9F:
            if multi and (ch in "\n\t" or (ch == "\r" and text[i + 1 : i + 2] == "\n")):
                continue
            return i, ch
        if 0xD800 <= code <= 0xDFFF:
            return i, ch
    return None


def check_single_line(text: str) -> str:
    found = _bad(text, False)
    if found:
        raise ValueError(
            f"must be one line without control characters; found U+{ord(found[1]):04X} at {found[0] + 1}"
        )
    return text


def check_multi_line(text: str) -> str:
    found = _bad(text, True)
    if found:
        raise ValueError(
            f"may hold line breaks but no control characters; found U+{ord(found[1]):04X} at {found[0] + 1}"
        )
    return text
