"""Links in bodies and headers that resolve where the caller is: through the gateway.

Front ends call the gateway, which serves each service under ``/api/v1/<service>``. A service
therefore never builds a link from the request's Host header or its own address: every link in a
body (``href``, ``*_url``, a figure's ledger link, pagination ``next``, SCIM ``meta.location``)
and in ``Location`` / ``Link`` headers is made by :func:`public_url` from configuration,
``PUBLIC_BASE_URL`` (per app; by default the path-absolute ``/api/v1/<service>``, which resolves
at the gateway whatever its host name; production may set an absolute
``https://hanke.kuopio.fi/api/v1/<service>``).

Whoever passes on another service's JSON (the gateway's composed views, the reports service's
sources) moves that service's path-absolute links onto the gateway with :func:`map_links`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hanke_libs.settings import AppSettings


def public_base(settings: AppSettings) -> str:
    """The public base of the app's paths, without a trailing slash."""
    base = settings.public_base_url or gateway_prefix(settings.service_name())
    return base.rstrip("/")


def public_url(settings: AppSettings, path: str) -> str:
    """The public link for the app's own ``path`` (which starts with ``/``, may carry a query)."""
    if not path.startswith("/"):
        raise ValueError(f"public_url needs a path starting with '/', not {path!r}")
    return public_base(settings) + path


API_PREFIX = "/api/v1"
# Keys whose string values are links (besides any key ending in _url, _link or _href).
LINK_KEYS = frozenset({"ledger", "href", "link", "url", "self", "next", "prev", "location"})


def gateway_prefix(service: str) -> str:
    """Where the gateway serves ``service``'s paths (``/api/v1/budget``)."""
    return f"{API_PREFIX}/{service}"


LINK_SUFFIXES = ("_url", "_link", "_href")


def is_link_key(key: str) -> bool:
    """Whether a JSON key holds a link (``href``, ``ledger``, ``next``, ``report_url``, ...)."""
    return key in LINK_KEYS or key.endswith(LINK_SUFFIXES)


def map_links(value: Any, rewrite: Callable[[str], str], drop: frozenset[str] = frozenset()) -> Any:
    """``value`` (JSON) with every path-absolute link under a link key replaced by ``rewrite(link)``
    and the keys in ``drop`` left out, at any depth. Absolute, protocol-relative (``//host``) and
    relative links are left as they are. (The gateway runs this on every part of every composed
    view, so the walk makes no call per scalar.)"""
    if isinstance(value, dict):
        return _map_object(value, rewrite, drop)
    if isinstance(value, list):
        return _map_array(value, rewrite, drop)
    return value


def _map_object(value: dict[str, Any], rewrite: Callable[[str], str], drop: frozenset[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key in drop:
            continue
        if isinstance(item, str):
            if item.startswith("/") and not item.startswith("//") and is_link_key(key):
                item = rewrite(item)
        elif isinstance(item, dict):
            item = _map_object(item, rewrite, drop)
        elif isinstance(item, list):
            item = _map_array(item, rewrite, drop)
        out[key] = item
    return out


def _map_array(value: list[Any], rewrite: Callable[[str], str], drop: frozenset[str]) -> list[Any]:
    return [
        _map_object(item, rewrite, drop)
        if isinstance(item, dict)
        else _map_array(item, rewrite, drop)
        if isinstance(item, list)
        else item
        for item in value
    ]
