"""SCIM discovery: ``/ServiceProviderConfig``, ``/ResourceTypes``, ``/Schemas`` (RFC 7643 §§ 5-7)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from participants.scim.deps import HrSync, base_url
from participants.scim.protocol import (
    ENTERPRISE_SCHEMA,
    GROUP_SCHEMA,
    USER_SCHEMA,
    ScimResponse,
    ScimRoute,
    list_response,
    not_found,
)

router = APIRouter(route_class=ScimRoute)

SPC_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RT_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"


def _attr(
    name: str,
    type_: str = "string",
    *,
    required: bool = False,
    multi: bool = False,
    uniqueness: str = "none",
    case_exact: bool = False,
    sub: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    attribute: dict[str, Any] = {
        "name": name,
        "type": type_,
        "multiValued": multi,
        "required": required,
        "caseExact": case_exact,
        "mutability": "readWrite",
        "returned": "default",
        "uniqueness": uniqueness,
    }
    if sub:
        attribute["subAttributes"] = sub
    return attribute


SCHEMAS: dict[str, dict[str, Any]] = {
    USER_SCHEMA: {
        "id": USER_SCHEMA,
        "name": "User",
        "description": "A member of staff",
        "attributes": [
            _attr("userName", required=True, uniqueness="server"),
            _attr("externalId", uniqueness="server", case_exact=True),
            _attr("name", "complex", sub=[_attr("givenName"), _attr("familyName")]),
            _attr("displayName"),
            _attr("title"),
            _attr("active", "boolean"),
            _attr(
                "emails",
                "complex",
                multi=True,
                sub=[_attr("value"), _attr("type"), _attr("primary", "boolean")],
            ),
        ],
    },
    ENTERPRISE_SCHEMA: {
        "id": ENTERPRISE_SCHEMA,
        "name": "EnterpriseUser",
        "description": "Enterprise User",
        "attributes": [
            _attr("employeeNumber", uniqueness="server"),
            _attr("costCenter"),
            _attr("organization"),
            _attr("division"),
            _attr("department"),
            _attr("manager", "complex", sub=[_attr("value"), _attr("$ref", "reference")]),
        ],
    },
    GROUP_SCHEMA: {
        "id": GROUP_SCHEMA,
        "name": "Group",
        "description": "An org unit (organisaatioyksikkö)",
        "attributes": [
            _attr("displayName", required=True),
            _attr("externalId", case_exact=True),
            _attr(
                "members",
                "complex",
                multi=True,
                sub=[_attr("value"), _attr("display"), _attr("$ref", "reference")],
            ),
        ],
    },
}


def _resource_types(base: str) -> list[dict[str, Any]]:
    return [
        {
            "schemas": [RT_SCHEMA],
            "id": "User",
            "name": "User",
            "endpoint": "/Users",
            "schema": USER_SCHEMA,
            "schemaExtensions": [{"schema": ENTERPRISE_SCHEMA, "required": False}],
            "meta": {"resourceType": "ResourceType", "location": f"{base}/scim/v2/ResourceTypes/User"},
        },
        {
            "schemas": [RT_SCHEMA],
            "id": "Group",
            "name": "Group",
            "endpoint": "/Groups",
            "schema": GROUP_SCHEMA,
            "meta": {"resourceType": "ResourceType", "location": f"{base}/scim/v2/ResourceTypes/Group"},
        },
    ]


def _schema(schema_id: str, base: str) -> dict[str, Any]:
    return {
        "schemas": [SCHEMA_SCHEMA],
        **SCHEMAS[schema_id],
        "meta": {"resourceType": "Schema", "location": f"{base}/scim/v2/Schemas/{schema_id}"},
    }


@router.get("/ServiceProviderConfig")
async def service_provider_config(request: Request, _: HrSync) -> ScimResponse:
    return ScimResponse(
        {
            "schemas": [SPC_SCHEMA],
            "patch": {"supported": True},
            "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
            "filter": {"supported": True, "maxResults": 200},
            "changePassword": {"supported": False},
            "sort": {"supported": False},
            "etag": {"supported": False},
            "authenticationSchemes": [
                {
                    "type": "oauthbearertoken",
                    "name": "OAuth Bearer Token",
                    "description": "A bearer token with the role hr_sync",
                    "primary": True,
                }
            ],
            "meta": {
                "resourceType": "ServiceProviderConfig",
                "location": f"{base_url(request)}/scim/v2/ServiceProviderConfig",
            },
        }
    )


@router.get("/ResourceTypes")
async def resource_types(request: Request, _: HrSync) -> ScimResponse:
    types = _resource_types(base_url(request))
    return ScimResponse(list_response(types, len(types), 1))


@router.get("/ResourceTypes/{name}")
async def resource_type(request: Request, name: str, _: HrSync) -> ScimResponse:
    for t in _resource_types(base_url(request)):
        if t["id"].lower() == name.lower():
            return ScimResponse(t)
    raise not_found("ResourceType", name)


@router.get("/Schemas")
async def schemas(request: Request, _: HrSync) -> ScimResponse:
    items = [_schema(s, base_url(request)) for s in SCHEMAS]
    return ScimResponse(list_response(items, len(items), 1))


@router.get("/Schemas/{schema_id}")
async def schema(request: Request, schema_id: str, _: HrSync) -> ScimResponse:
    for s in SCHEMAS:
        if s.lower() == schema_id.lower():
            return ScimResponse(_schema(s, base_url(request)))
    raise not_found("Schema", schema_id)
