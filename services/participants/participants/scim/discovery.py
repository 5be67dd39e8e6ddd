"""SCIM discovery: ``/ServiceProviderConfig``, ``/ResourceTypes``, ``/Schemas`` (RFC 7643 §§ 5-7), all
built from the ``scim2-models`` resource models, and the provider's documentation (its deviations)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse
from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    Context,
    EnterpriseUser,
    ETag,
    Filter,
    Meta,
    Patch,
    ResourceType,
    Schema,
    ServiceProviderConfig,
    Sort,
)

from participants.scim.deps import HrSync, locator
from participants.scim.models import OrgUnitGroup, StaffUser
from participants.scim.protocol import ScimError, ScimResponse, ScimRoute, list_response, not_found

router = APIRouter(route_class=ScimRoute)

DOCUMENTATION = """Hanke participants service: SCIM 2.0 (RFC 7643 / RFC 7644) for the HR and identity system.

Resources: /Users (core User + enterprise extension: the attributes listed in /Schemas) and /Groups
(org units; a member is a person whose org unit it is, so adding a member moves the person there).
Filters: eq joined by and (userName case-insensitive, externalId, emails, id, employeeNumber,
displayName, active). Paging: startIndex and count (at most 200). attributes / excludedAttributes on
every read. PATCH add / replace / remove (ops case-insensitive, no-path ops, members[value eq "..."]).
POST /Users/.search and /Groups/.search. No bulk, sort, ETag or password change.

Deviations (deliberate, for the ESF funder's retention of participant records):
- DELETE /Users/{id} does not delete: the user becomes inactive (active=false) and stays readable,
  as Microsoft Entra ID expects; personal data is removed later by pseudonymisation at the end of
  retention. A client that checks for 404 after DELETE sees the inactive user instead.
- DELETE /Groups/{id} ends the org unit: it is no longer served by SCIM (404) and its members are
  released, but the unit stays in the service for the figures that count it.
- active is required here (every person has an administrative status): PATCH remove active is refused
  with 400 invalidValue (replace it with false to deactivate), and a PUT without active keeps the
  current value.
"""


def _schemas() -> list[Schema]:
    user = StaffUser.to_schema()
    user.name, user.description = "User", "A member of staff"
    enterprise = EnterpriseUser.to_schema()
    enterprise.name = "EnterpriseUser"
    group = OrgUnitGroup.to_schema()
    group.name, group.description = "Group", "An org unit (organisaatioyksikkö)"
    return [user, enterprise, group]


def _with_meta(resource: Any, kind: str, location: str) -> Any:
    resource.meta = Meta(resource_type=kind, location=location)
    return resource


def _resource_types(request: Request) -> list[ResourceType]:
    location = locator(request)
    user = ResourceType.from_resource(StaffUser)
    user.description = "A member of staff"
    group = ResourceType.from_resource(OrgUnitGroup)
    group.id = group.name = "Group"
    group.description = "An org unit"
    return [
        _with_meta(user, "ResourceType", location("/scim/v2/ResourceTypes/User")),
        _with_meta(group, "ResourceType", location("/scim/v2/ResourceTypes/Group")),
    ]


def _dump(resource: Any) -> dict[str, Any]:
    return dict(resource.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))


@router.get("/ServiceProviderConfig")
async def service_provider_config(request: Request, _: HrSync) -> ScimResponse:
    location = locator(request)
    config = ServiceProviderConfig(
        documentation_uri=location("/scim/v2/Documentation"),
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=200),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=False),
        etag=ETag(supported=False),
        authentication_schemes=[
            AuthenticationScheme(
                type=AuthenticationScheme.Type.oauthbearertoken,
                name="OAuth Bearer Token",
                description="A bearer token with the role hr_sync. DELETE deactivates and keeps the user "
                "(ESR retention): see documentationUri.",
                documentation_uri=location("/scim/v2/Documentation"),
                primary=True,
            )
        ],
    )
    return ScimResponse(
        _dump(_with_meta(config, "ServiceProviderConfig", location("/scim/v2/ServiceProviderConfig")))
    )


@router.get("/Documentation", response_class=PlainTextResponse)
async def documentation(_: HrSync) -> PlainTextResponse:
    """The provider's human-readable documentation (``documentationUri``), deviations included."""
    return PlainTextResponse(DOCUMENTATION)


@router.get("/ResourceTypes")
async def resource_types(request: Request, _: HrSync) -> ScimResponse:
    types = [_dump(t) for t in _resource_types(request)]
    return ScimResponse(list_response(types, len(types), 1))


@router.get("/ResourceTypes/{name}")
async def resource_type(request: Request, name: str, _: HrSync) -> ScimResponse:
    for t in _resource_types(request):
        if t.id and t.id.lower() == name.lower():
            return ScimResponse(_dump(t))
    raise not_found("ResourceType", name)


@router.get("/Schemas")
async def schemas(request: Request, _: HrSync) -> ScimResponse:
    location = locator(request)
    items = [_dump(_with_meta(s, "Schema", location(f"/scim/v2/Schemas/{s.id}"))) for s in _schemas()]
    return ScimResponse(list_response(items, len(items), 1))


@router.get("/Schemas/{schema_id}")
async def schema(request: Request, schema_id: str, _: HrSync) -> ScimResponse:
    location = locator(request)
    for s in _schemas():
        if s.id and s.id.lower() == schema_id.lower():
            return ScimResponse(_dump(_with_meta(s, "Schema", location(f"/scim/v2/Schemas/{s.id}"))))
    raise not_found("Schema", schema_id)


@router.post("/Bulk")
async def bulk(_: HrSync) -> ScimResponse:
    raise ScimError(501, "Bulk operations are not supported (see /ServiceProviderConfig).")


@router.post("/.search")
async def search_everything(_: HrSync) -> ScimResponse:
    raise ScimError(
        501,
        "Searching several resource types at once is not supported: use /Users/.search or /Groups/.search.",
    )
