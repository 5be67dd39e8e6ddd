"""Dependencies of the SCIM routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from hanke_libs.auth import Principal, Role, require_roles

HrSync = Annotated[Principal, Depends(require_roles(Role.hr_sync))]
"""Only the provisioning client (role ``hr_sync``) reaches SCIM."""


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")
