"""A bounded breadth-first crawl of the links a caller of the gateway is handed.

Every link in a JSON body (keys ``href``, ``*_url``, ``*_link``, ``next``, ``self``, ``location``,
``ledger``, ``$ref``, strings inside ``links``, and any string that looks like a URL or a path under
``/api/v1/`` or ``/scim/v2``) and in ``Location``, ``Content-Location`` and ``Link`` headers is
checked to be on the gateway's public base (path-absolute, or absolute on the configured public base
URL) and is then followed through the gateway, where it must answer 200.
"""

from __future__ import annotations

import html
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from hanke_libs import links

GATEWAY_PATHS = ("/api/v1/", "/scim/v2/")
_LINK_HEADER = re.compile(r"<([^>]*)>")
_HTML_LINK = re.compile(r"""\b(?:href|src)=["']([^"']+)["']""")
_ID_SEGMENT = re.compile(r"\d|^[0-9a-f-]{16,}$|^[A-Za-z0-9_-]{20,}$")


def is_link_key(key: str) -> bool:
    return key == "$ref" or links.is_link_key(key)  # $ref: SCIM references


def looks_like_link(value: str) -> bool:
    return value.startswith((*GATEWAY_PATHS, "http://", "https://"))


def links_in(value: Any, where: str = "$") -> Iterator[tuple[str, str]]:
    """(where, link) for every link in a JSON value."""
    if isinstance(value, dict):
        for key, item in value.items():
            at = f"{where}.{key}"
            if isinstance(item, str):
                if is_link_key(key) or looks_like_link(item):
                    yield at, item
            elif key == "links":
                yield from _strings(item, at)
            else:
                yield from links_in(item, at)
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from links_in(item, f"{where}[{n}]")


def _strings(value: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{where}.{key}")
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from _strings(item, f"{where}[{n}]")


def header_links(response: httpx.Response) -> Iterator[tuple[str, str]]:
    for name in ("location", "content-location"):
        if name in response.headers:
            yield name, response.headers[name]
    for value in response.headers.get_list("link"):
        for target in _LINK_HEADER.findall(value):
            yield "link", target


def shape(path: str) -> str:
    """The path with its ids as ``{}`` (``/api/v1/pilots/pilots/p-1/indicators/7`` ->
    ``/api/v1/pilots/pilots/{}/indicators/{}``): links of one shape are sampled, not all followed."""
    parts = path.split("?", 1)[0].split("/")
    return "/".join("{}" if _ID_SEGMENT.search(p) else p for p in parts)


@dataclass
class Crawl:
    """Follow links from ``start`` as ``headers`` through ``client`` (the gateway)."""

    client: httpx.AsyncClient
    headers: dict[str, str]
    public_base: str  # the gateway's configured public base URL, e.g. https://hanke.kuopio.example
    max_links: int = 400
    per_shape: int = 6
    followed: dict[str, int] = field(default_factory=dict)  # path -> status
    broken: list[str] = field(default_factory=list)  # links that do not resolve or are not public
    found: int = 0  # links found in answers, duplicates included

    def target(self, link: str) -> str | None:
        """The gateway path of ``link``, or ``None`` when it is not on the gateway's public base."""
        if link.startswith(self.public_base + "/"):
            link = link[len(self.public_base) :]
        elif link.startswith(("http://", "https://", "//")):
            return None
        return link if link.startswith(GATEWAY_PATHS) else None

    async def run(self, start: list[str]) -> None:
        queue: deque[tuple[str, str]] = deque((path, "start") for path in start)
        seen: set[str] = set(start)
        shapes: dict[str, int] = {}
        while queue and len(self.followed) < self.max_links:
            path, source = queue.popleft()
            response = await self.client.get(path, headers=self.headers)
            self.followed[path] = response.status_code
            if response.status_code != 200:
                self.broken.append(f"{path} (from {source}): {response.status_code} {response.text[:200]}")
                continue
            for where, link in self._links(response):
                self.found += 1
                target = self.target(link)
                if target is None:
                    self.broken.append(f"{link} (at {where} of {path}): not a link through the gateway")
                    continue
                if target in seen:
                    continue
                seen.add(target)
                key = shape(target)
                shapes[key] = shapes.get(key, 0) + 1
                if shapes[key] <= self.per_shape:
                    queue.append((target, f"{where} of {path}"))

    def _links(self, response: httpx.Response) -> Iterator[tuple[str, str]]:
        yield from header_links(response)
        ctype = response.headers.get("content-type", "")
        if "json" in ctype:
            yield from links_in(response.json())
        elif ctype.startswith("text/html"):
            for target in _HTML_LINK.findall(response.text):
                if not target.startswith(("#", "data:", "mailto:")):
                    yield "html", html.unescape(target)

    def report(self) -> str:
        return f"{len(self.broken)} broken of {len(self.followed)} followed:\n  " + "\n  ".join(
            self.broken[:60]
        )
