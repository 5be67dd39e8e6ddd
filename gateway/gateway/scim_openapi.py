"""The SCIM 2.0 endpoints (``/scim/v2``, RFC 7643/7644) as OpenAPI paths and schemas.

The participants service publishes its SCIM resources by SCIM's own discovery (``/Schemas``,
``/ResourceTypes``) and leaves them out of its OpenAPI document; the gateway proxies them, so it
describes them here for the merged document (and for generated clients). When the participants
document describes ``/scim/v2`` paths itself, those are used instead (see
:func:`gateway.openapi_merge.merge`). The schemas hold the attributes the service supports; SCIM
clients may send more (``additionalProperties``).
"""

from __future__ import annotations

import copy
from typing import Any

MEDIA = "application/scim+json"
TAG = {
    "name": "participants: scim",
    "description": "SCIM 2.0 provisioning of people (Users) and org units (Groups) from the city's HR "
    "system (role `hr_sync`). Errors are SCIM errors (`urn:ietf:params:scim:api:messages:2.0:Error`), "
    "not problem documents. DELETE deactivates a user and keeps the record (ESR retention).",
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _string(description: str, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "description": description, **extra}


MULTI_VALUED = {
    "type": "object",
    "title": "ScimMultiValuedAttribute",
    "properties": {
        "value": _string("The value (an address, an id)"),
        "type": _string("The kind, e.g. `work`"),
        "primary": {"type": "boolean", "description": "Whether this is the preferred value"},
        "display": _string("A human-readable name"),
        "$ref": _string("The URI of the referenced resource", format="uri-reference"),
    },
    "additionalProperties": True,
}
META = {
    "type": "object",
    "title": "ScimMeta",
    "properties": {
        "resourceType": _string("`User` or `Group`"),
        "created": _string("When the resource was created", format="date-time"),
        "lastModified": _string("When it last changed", format="date-time"),
        "location": _string("The resource's URI through the gateway", format="uri-reference"),
        "version": _string("The resource's version (ETag)"),
    },
}
SCHEMAS: dict[str, dict[str, Any]] = {
    "ScimMultiValuedAttribute": MULTI_VALUED,
    "ScimMeta": META,
    "ScimUser": {
        "type": "object",
        "title": "ScimUser",
        "description": "A person from HR (`urn:ietf:params:scim:schemas:core:2.0:User`, with the "
        "enterprise extension for employee number, organisation, department and manager).",
        "required": ["schemas", "userName"],
        "properties": {
            "schemas": {"type": "array", "items": {"type": "string"}},
            "id": _string("The service's id of the person", readOnly=True),
            "externalId": _string("The HR system's id"),
            "userName": _string("Unique login name"),
            "name": {
                "type": "object",
                "title": "ScimName",
                "properties": {
                    "givenName": _string("Given name"),
                    "familyName": _string("Family name"),
                    "formatted": _string("The full name"),
                },
            },
            "displayName": _string("Name to show"),
            "title": _string("Job title"),
            "active": {"type": "boolean", "description": "False once HR deactivates the person"},
            "emails": {"type": "array", "items": _ref("ScimMultiValuedAttribute")},
            "phoneNumbers": {"type": "array", "items": _ref("ScimMultiValuedAttribute")},
            "groups": {"type": "array", "items": _ref("ScimMultiValuedAttribute"), "readOnly": True},
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                "type": "object",
                "title": "ScimEnterpriseUser",
                "properties": {
                    "employeeNumber": _string("Employee number"),
                    "organization": _string("Organisation"),
                    "department": _string("Department"),
                    "manager": _ref("ScimMultiValuedAttribute"),
                },
                "additionalProperties": True,
            },
            "meta": _ref("ScimMeta"),
        },
        "additionalProperties": True,
    },
    "ScimGroup": {
        "type": "object",
        "title": "ScimGroup",
        "description": "An org unit (`urn:ietf:params:scim:schemas:core:2.0:Group`) and its members.",
        "required": ["schemas", "displayName"],
        "properties": {
            "schemas": {"type": "array", "items": {"type": "string"}},
            "id": _string("The service's id of the org unit", readOnly=True),
            "externalId": _string("The HR system's id"),
            "displayName": _string("Name of the org unit"),
            "members": {"type": "array", "items": _ref("ScimMultiValuedAttribute")},
            "meta": _ref("ScimMeta"),
        },
        "additionalProperties": True,
    },
    "ScimListResponse": {
        "type": "object",
        "title": "ScimListResponse",
        "description": "One page of resources (`urn:ietf:params:scim:api:messages:2.0:ListResponse`).",
        "required": ["schemas", "totalResults", "Resources"],
        "properties": {
            "schemas": {"type": "array", "items": {"type": "string"}},
            "totalResults": {"type": "integer"},
            "startIndex": {"type": "integer"},
            "itemsPerPage": {"type": "integer"},
            "Resources": {"type": "array", "items": {"type": "object", "additionalProperties": True}},
        },
    },
    "ScimPatchOp": {
        "type": "object",
        "title": "ScimPatchOp",
        "description": "A PATCH request (`urn:ietf:params:scim:api:messages:2.0:PatchOp`).",
        "required": ["schemas", "Operations"],
        "properties": {
            "schemas": {"type": "array", "items": {"type": "string"}},
            "Operations": {
                "type": "array",
                "items": {
                    "type": "object",
                    "title": "ScimPatchOperation",
                    "required": ["op"],
                    "properties": {
                        "op": _string("`add`, `replace` or `remove`"),
                        "path": _string("The attribute path; absent: `value` holds attributes"),
                        "value": {"description": "The new value"},
                    },
                },
            },
        },
    },
    "ScimError": {
        "type": "object",
        "title": "ScimError",
        "description": "A SCIM error (`urn:ietf:params:scim:api:messages:2.0:Error`).",
        "required": ["schemas", "status"],
        "properties": {
            "schemas": {"type": "array", "items": {"type": "string"}},
            "status": _string("The HTTP status, as a string"),
            "scimType": _string("The kind of error, e.g. `invalidFilter`, `uniqueness`"),
            "detail": _string("What went wrong"),
        },
    },
    "ScimDiscoveryDocument": {
        "type": "object",
        "title": "ScimDiscoveryDocument",
        "description": "A discovery resource: the service provider's configuration, a resource type or "
        "a schema (RFC 7643 sections 5-7).",
        "additionalProperties": True,
    },
}


def _json(schema: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {MEDIA: {"schema": _ref(schema)}}}


ERRORS = {
    "400": _json("ScimError", "Invalid request (bad filter, syntax or value)"),
    "401": _json("ScimError", "No valid bearer token"),
    "403": _json("ScimError", "The token lacks the `hr_sync` role"),
    "404": _json("ScimError", "No such resource"),
    "409": _json("ScimError", "Uniqueness clash (e.g. a taken `userName`)"),
    "502": _json("ScimError", "The participants service sent a broken answer"),
    "503": _json("ScimError", "The participants service is unavailable"),
    "504": _json("ScimError", "The participants service did not answer in time"),
}
LIST_PARAMETERS = [
    {
        "name": "filter",
        "in": "query",
        "description": 'A SCIM filter (`eq` joined by `and`), e.g. `userName eq "anna"`',
        "schema": {"type": "string"},
    },
    {
        "name": "startIndex",
        "in": "query",
        "description": "1-based index of the first result",
        "schema": {"type": "integer", "minimum": 1},
    },
    {
        "name": "count",
        "in": "query",
        "description": "Results per page",
        "schema": {"type": "integer", "minimum": 0},
    },
]


def _operation(
    operation_id: str,
    summary: str,
    description: str,
    ok: tuple[str, dict[str, Any]],
    *,
    body: str | None = None,
    parameters: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "tags": [TAG["name"]],
        "operationId": operation_id,
        "summary": summary,
        "description": description,
        "responses": {ok[0]: ok[1], **ERRORS},
        "security": [{"HTTPBearer": []}],
    }
    if parameters:
        operation["parameters"] = parameters
    if body:
        operation["requestBody"] = {"required": True, "content": {MEDIA: {"schema": _ref(body)}}}
    return operation


def _id(name: str, what: str) -> list[dict[str, Any]]:
    return [{"name": name, "in": "path", "required": True, "description": what, "schema": {"type": "string"}}]


def _resource_paths(plural: str, schema: str, what: str) -> dict[str, dict[str, Any]]:
    singular = plural.rstrip("s").lower()
    ident = f"{singular}_id"
    one = _id(ident, f"The {what}'s SCIM id")
    no_content = ("204", {"description": "Done (no content)"})
    return {
        f"/scim/v2/{plural}": {
            "get": _operation(
                f"scim_list_{plural.lower()}",
                f"Find {what}s",
                f"{what.capitalize()}s matching `filter`, a page at a time (`startIndex`, `count`).",
                ("200", _json("ScimListResponse", f"A page of {what}s")),
                parameters=LIST_PARAMETERS,
            ),
            "post": _operation(
                f"scim_create_{singular}",
                f"Create a {what}",
                f"Provision a {what}; answers 201 with `Location` naming it through the gateway.",
                ("201", _json(schema, f"The created {what}")),
                body=schema,
            ),
        },
        f"/scim/v2/{plural}/{{{ident}}}": {
            "get": _operation(
                f"scim_read_{singular}",
                f"Read a {what}",
                f"One {what} by its SCIM id.",
                ("200", _json(schema, f"The {what}")),
                parameters=one,
            ),
            "put": _operation(
                f"scim_replace_{singular}",
                f"Replace a {what}",
                f"Replace every attribute of the {what} with the body's.",
                ("200", _json(schema, f"The {what} as replaced")),
                body=schema,
                parameters=one,
            ),
            "patch": _operation(
                f"scim_patch_{singular}",
                f"Change a {what}",
                f"Apply SCIM PATCH operations (`add`, `replace`, `remove`) to the {what}.",
                ("200", _json(schema, f"The {what} as changed")),
                body="ScimPatchOp",
                parameters=one,
            ),
            "delete": _operation(
                f"scim_delete_{singular}",
                f"Delete a {what}",
                "Users are deactivated and kept (ESR data must be retained); groups are removed.",
                no_content,
                parameters=one,
            ),
        },
    }


def _discovery(
    path: str,
    operation_id: str,
    summary: str,
    description: str,
    parameters: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        path: {
            "get": _operation(
                operation_id,
                summary,
                description,
                ("200", _json("ScimDiscoveryDocument", summary)),
                parameters=parameters,
            )
        }
    }


def scim_part() -> dict[str, Any]:
    """The SCIM paths (gateway paths), their schemas and tag, as a fresh document part."""
    paths: dict[str, Any] = {
        **_resource_paths("Users", "ScimUser", "user"),
        **_resource_paths("Groups", "ScimGroup", "group"),
        **_discovery(
            "/scim/v2/ServiceProviderConfig",
            "scim_service_provider_config",
            "SCIM service provider configuration",
            "What the SCIM server supports (filter, patch, paging) and its documented deviations.",
        ),
        **_discovery(
            "/scim/v2/ResourceTypes",
            "scim_list_resource_types",
            "SCIM resource types",
            "The resource types served: User and Group.",
        ),
        **_discovery(
            "/scim/v2/ResourceTypes/{name}",
            "scim_read_resource_type",
            "One SCIM resource type",
            "The resource type `User` or `Group`.",
            _id("name", "`User` or `Group`"),
        ),
        **_discovery(
            "/scim/v2/Schemas",
            "scim_list_schemas",
            "SCIM schemas",
            "The attribute schemas of the resources served.",
        ),
        **_discovery(
            "/scim/v2/Schemas/{schema_id}",
            "scim_read_schema",
            "One SCIM schema",
            "One attribute schema by its URN.",
            _id("schema_id", "The schema's URN"),
        ),
    }
    return copy.deepcopy({"paths": paths, "components": {"schemas": SCHEMAS}, "tags": [TAG]})
