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


def is_link_key(key: str) -> bool:
    """Whether a JSON key holds a link (``href``, ``ledger``, ``next``, ``report_url``, ...)."""
    return key in LINK_KEYS or key.endswith(("_url", "_link", "_href"))


def map_links(value: Any, rewrite: Callable[[str], str], drop: frozenset[str] = frozenset()) -> Any:
    """``value`` (JSON) with every path-absolute link under a link key replaced by ``rewrite(link)``
    and the keys in ``drop`` left out, at any depth. Absolute, protocol-relative (``//host``) and
    relative links are left as they are."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key in drop:
                continue
            if (
                is_link_key(key)
                and isinstance(item, str)
                and item.startswith("/")
                and not item.startswith("//")
            ):
                out[key] = rewrite(item)
            else:
                out[key] = map_links(item, rewrite, drop)
        return out
    if isinstance(value, list):
        return [map_links(v, rewrite, drop) for v in value]
    return value
