"""Personal data by role: which fields are personal, who may see them, and redaction.

A field that names or identifies a person (a person id, a name, an e-mail, an employee number, an
actor, a ``created_by``) or holds free text that people wrote is declared with
:func:`PersonalField`. The marker is part of the API contract: it appears in OpenAPI as
``x-personal-data: true``, so tests can check every response of every route, and exports can
drop the same columns.

``steering`` (the steering group and city board) sees aggregates only, with no person reference,
in JSON and in every CSV/XLSX export; ``hr_sync`` is a provisioning client. Each service decides
*which objects* a caller may read; this module decides *which fields* of them, the same way in
every service::

    class PilotPublic(BaseModel):
        title: str
        owner_id: str | None = PersonalField(description="The owner's person id")

    return redact_for(principal, pilot_public)        # owner_id is None for steering

Public surface: :func:`PersonalField`, :func:`is_personal`, :func:`personal_fields`,
:func:`may_see_personal_data`, :func:`redact`, :func:`redact_for`, :func:`redact_rows`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, Field
from pydantic.fields import FieldInfo

from hanke_libs.auth import Principal, Role

MARKER = "x-personal-data"

# Roles that may see personal data at all (each service still scopes which objects).
PERSONAL_DATA_ROLES: tuple[Role, ...] = (
    Role.admin,
    Role.project_manager,
    Role.pilot_owner,
    Role.champion,
    Role.finance,
    Role.auditor,
)

M = TypeVar("M", bound=BaseModel)


def PersonalField(default: Any = None, **kwargs: Any) -> Any:
    """A pydantic field holding personal data (redacted to ``None`` for callers who may not see it).

    The field's type must admit ``None``.
    """
    extra = dict(kwargs.pop("json_schema_extra", None) or {})
    extra[MARKER] = True
    return Field(default, json_schema_extra=extra, **kwargs)


def is_personal(info: FieldInfo) -> bool:
    extra = info.json_schema_extra
    return isinstance(extra, dict) and bool(extra.get(MARKER))


def personal_fields(model: type[BaseModel]) -> frozenset[str]:
    """Names of ``model``'s personal fields (for dropping export columns)."""
    return frozenset(name for name, info in model.model_fields.items() if is_personal(info))


def may_see_personal_data(principal: Principal) -> bool:
    """Whether ``principal`` may see personal data at all (never ``steering`` alone, never ``hr_sync``)."""
    return principal.has(*PERSONAL_DATA_ROLES)


def _redact_value(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return redact(value)
    if isinstance(value, list):
        return [_redact_value(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_redact_value(v) for v in value)
    if isinstance(value, dict):
        return {k: _redact_value(v) for k, v in value.items()}
    return value


def redact(model: M) -> M:
    """A copy of ``model`` with every personal field ``None``, at any depth."""
    update: dict[str, Any] = {}
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        if is_personal(info):
            if value is not None:
                update[name] = None
        elif isinstance(value, BaseModel | list | tuple | dict):
            redacted = _redact_value(value)
            if redacted is not value:
                update[name] = redacted
    return model.model_copy(update=update) if update else model


def redact_for(principal: Principal, model: M) -> M:
    """``model`` as ``principal`` may see it."""
    return model if may_see_personal_data(principal) else redact(model)


def redact_rows(
    principal: Principal,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    personal: Iterable[str],
) -> tuple[list[str], list[list[Any]]]:
    """Export columns and rows without the ``personal`` columns for a caller who may not see them."""
    if may_see_personal_data(principal):
        return list(columns), [list(r) for r in rows]
    drop = set(personal)
    keep = [i for i, c in enumerate(columns) if c not in drop]
    return [columns[i] for i in keep], [[row[i] for i in keep] for row in rows]


def redact_mapping(principal: Principal, data: Mapping[str, Any], personal: Iterable[str]) -> dict[str, Any]:
    """A dict without its ``personal`` keys for a caller who may not see them."""
    if may_see_personal_data(principal):
        return dict(data)
    drop = set(personal)
    return {k: v for k, v in data.items() if k not in drop}
