"""Links in bodies and headers that resolve where the caller is: through the gateway.

Front ends call the gateway, which serves each service under ``/api/v1/<service>``. A service
therefore never builds a link from the request's Host header or its own address: every link in a
body (``href``, ``*_url``, a figure's ledger link, pagination ``next``, SCIM ``meta.location``)
and in ``Location`` / ``Link`` headers is made by :func:`public_url` from configuration,
``PUBLIC_BASE_URL`` (per app; by default the path-absolute ``/api/v1/<service>``, which resolves
at the gateway whatever its host name; production may set an absolute
``https://hanke.kuopio.fi/api/v1/<service>``).
"""

from __future__ import annotations

from hanke_libs.settings import AppSettings


def public_base(settings: AppSettings) -> str:
    """The public base of the app's paths, without a trailing slash."""
    base = settings.public_base_url or f"/api/v1/{settings.service_name()}"
    return base.rstrip("/")


def public_url(settings: AppSettings, path: str) -> str:
    """The public link for the app's own ``path`` (which starts with ``/``, may carry a query)."""
    if not path.startswith("/"):
        raise ValueError(f"public_url needs a path starting with '/', not {path!r}")
    return public_base(settings) + path
