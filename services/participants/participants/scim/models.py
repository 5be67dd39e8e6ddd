"""The SCIM resources this server serves, modelled with ``scim2-models`` (RFC 7643).

The models list exactly the attributes the server stores, with their mutability, uniqueness and
reference types, so ``/Schemas`` (``Model.to_schema()``) describes the server truthfully and
``?attributes=`` / ``?excludedAttributes=`` projections follow the schema by construction (the
model's own ``model_dump`` with :class:`~scim2_models.ResponseParameters`).

Deviations from the core User schema, chosen by the service provider as RFC 7643 § 4.1.1 allows:
``active`` is required (every person has an administrative status; removing it is refused, replace
it with ``false`` to deactivate) and DELETE deactivates instead of deleting (ESR records are kept).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field
from scim2_models import (
    URN,
    CaseExact,
    ComplexAttribute,
    EnterpriseUser,
    Mutability,
    Reference,
    Required,
    Resource,
    Uniqueness,
)

if TYPE_CHECKING:
    from scim2_models import User  # the referenced resource type is named "User"


class PersonName(ComplexAttribute):
    family_name: Annotated[str | None, Field(max_length=200)] = None
    given_name: Annotated[str | None, Field(max_length=200)] = None


class PersonEmail(ComplexAttribute):
    value: Annotated[str | None, Field(max_length=320)] = None
    type: Annotated[str | None, Field(max_length=40)] = None
    primary: bool | None = None


class StaffUser(Resource[EnterpriseUser]):
    """A member of staff (core User schema, the attributes this server keeps)."""

    __schema__ = URN("urn:ietf:params:scim:schemas:core:2.0:User")

    user_name: Annotated[str | None, Uniqueness.server, Required.true] = None
    name: PersonName | None = None
    display_name: str | None = None
    title: str | None = None
    active: Annotated[bool | None, Required.true] = None
    emails: list[PersonEmail] | None = None


class OrgUnitMember(ComplexAttribute):
    value: Annotated[str | None, Mutability.immutable, CaseExact.true] = None
    ref: Annotated[Reference["User"] | None, Mutability.immutable] = Field(  # type: ignore[type-arg]  # noqa: UP037
        None, serialization_alias="$ref", validation_alias="$ref"
    )
    display: Annotated[str | None, Mutability.read_only] = None


class OrgUnitGroup(Resource[Any]):
    """An org unit (organisaatioyksikkö); its members are the people whose unit it is."""

    __schema__ = URN("urn:ietf:params:scim:schemas:core:2.0:Group")

    display_name: Annotated[str | None, Required.true] = None
    members: list[OrgUnitMember] | None = None


def resource_name(model: type[Resource[Any]]) -> str:
    return "User" if model is StaffUser else "Group"
