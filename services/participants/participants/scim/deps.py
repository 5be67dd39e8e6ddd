"""Dependencies of the SCIM routes: the provisioning role and public links."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request

from hanke_libs.auth import Principal, Role, require_roles
from hanke_libs.links import public_base
from participants.config import Settings

HrSync = Annotated[Principal, Depends(require_roles(Role.hr_sync))]
"""Only the provisioning client (role ``hr_sync``) reaches SCIM."""


SCIM_PATH = "/scim/v2"


def scim_base(settings: Settings) -> str:
    """Where provisioning clients reach SCIM: ``SCIM_PUBLIC_BASE_URL``, else the gateway's ``/scim/v2``
    on the origin of ``PUBLIC_BASE_URL`` (the gateway publishes SCIM at the same path)."""
    if settings.scim_public_base_url:
        return settings.scim_public_base_url.rstrip("/")
    parts = urlsplit(public_base(settings))
    origin = f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""
    return origin + SCIM_PATH


def locator(request: Request) -> Callable[[str], str]:
    """``location("/scim/v2/Users/x")``: the public link from configuration, never the Host header."""
    base = scim_base(request.app.state.settings)
    return lambda path: base + path.removeprefix(SCIM_PATH)
