"""Dependencies of the SCIM routes: the provisioning role and public links."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from hanke_libs.auth import Principal, Role, require_roles
from hanke_libs.links import public_url

HrSync = Annotated[Principal, Depends(require_roles(Role.hr_sync))]
"""Only the provisioning client (role ``hr_sync``) reaches SCIM."""


def locator(request: Request) -> Callable[[str], str]:
    """``location("/scim/v2/Users/x")``: the public link (``PUBLIC_BASE_URL``), never the Host header."""
    settings = request.app.state.settings
    return lambda path: public_url(settings, path)
