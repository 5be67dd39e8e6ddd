"""The last touches of every app's OpenAPI document (:func:`finish_document`, applied in one place,
``hanke_libs.app``): the required ``If-Match``, decimal strings, and the links.

- ``If-Match`` has the entity-tag syntax as its pattern, and is *required* on the writes that take
  :data:`hanke_libs.etag.IfMatchDep` (a missing one is a 428, so a client must know to send it);
- a decimal accepted as a number or a string (pydantic's ``Decimal`` input) gets the string's
  syntax as a pattern, so a generator does not send ``""`` for an amount;
- ``links``: see :func:`add_links`.

OpenAPI ``links`` derived from the routes, so a client (and schemathesis' stateful phase) can
follow a create to the item it made and on to that item's reads and writes.

:func:`add_links` is applied to every app's document in one place (``hanke_libs.app``):

- a create (``POST <collection>`` answering 201 with a body) links to every operation under
  ``<collection>/{item}`` whose path parameters it can fill: the collection's own from the request
  (``$request.path.code``), ``{item}`` from the created body (the field of that name, or ``id`` for
  ``{..._id}``, ``number`` for ``{number}``);
- an item read (``GET <collection>/{item}`` answering 200) links to the writes on the same item
  (``PATCH``/``PUT``/``DELETE`` and ``POST`` actions below it) with the item's path parameters from
  the request and ``If-Match`` from the ``ETag`` the read answered.

Link names are the target's operationId; the gateway's merge renames them with the operations.
"""

from __future__ import annotations

import re
from typing import Any

METHODS = ("get", "put", "post", "delete", "patch")
WRITES = ("put", "patch", "delete", "post")
_PARAM = re.compile(r"\{([^}]+)\}")


_TAG = r'(W/)?"[\x21\x23-\x7e\x80-\xff]*"'
IF_MATCH_PATTERN = (
    rf"^[ \t]*(\*|[ \t,]*{_TAG}([ \t]*,[ \t,]*{_TAG})*[ \t,]*)[ \t]*$"  # as etag.parse_if_match
)
DECIMAL_PATTERN = r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?\s*$"
REQUIRED_IF_MATCH = "Required: without it 428"


def finish_document(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with the required If-Match, decimal string patterns and links (in place)."""
    for _path, _method, op in _operations(document):
        for parameter in op.get("parameters", []):
            if parameter.get("name") == "If-Match":
                required = REQUIRED_IF_MATCH in str(parameter.get("description"))
                # an optional If-Match may be blank: that is read as no If-Match (etag._header_value)
                pattern = IF_MATCH_PATTERN if required else r"^[ \t]*$|" + IF_MATCH_PATTERN
                parameter["schema"] = {"type": "string", "pattern": pattern, "title": "If-Match"}
                parameter["required"] = required
    _decimal_patterns(document.get("components", {}).get("schemas", {}))
    for _path, _method, op in _operations(document):
        for parameter in op.get("parameters", []):
            _decimal_patterns(parameter.get("schema", {}))
    return add_links(document)


def _decimal_patterns(value: Any) -> None:
    if isinstance(value, dict):
        options = value.get("anyOf")
        if isinstance(options, list) and any(
            o.get("type") == "number" for o in options if isinstance(o, dict)
        ):
            for option in options:
                if isinstance(option, dict) and option.get("type") == "string" and len(option) == 1:
                    option["pattern"] = DECIMAL_PATTERN
        for item in value.values():
            _decimal_patterns(item)
    elif isinstance(value, list):
        for item in value:
            _decimal_patterns(item)


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
        found = document.get("components", {}).get("schemas", {}).get(ref.rsplit("/", 1)[1], {})
        return found if isinstance(found, dict) else {}
    return schema


def _body_properties(document: dict[str, Any], response: dict[str, Any]) -> set[str]:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return set(_resolve(document, schema).get("properties", {}))


def _field_for(param: str, properties: set[str]) -> str | None:
    """The created body's field that holds the value of the path parameter ``param``."""
    for candidate in (param, "id" if param.endswith("_id") else "", param.removesuffix("_id")):
        if candidate and candidate in properties:
            return candidate
    return None


def _item_below(collection: str, path: str) -> str | None:
    """``{item}`` when ``path`` is ``<collection>/{item}`` or below it, else None."""
    rest = path[len(collection) :]
    if not path.startswith(collection + "/"):
        return None
    head = rest.split("/")[1]
    match = _PARAM.fullmatch(head)
    return match.group(1) if match else None


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, op)
        for path, item in document.get("paths", {}).items()
        for method, op in item.items()
        if method in METHODS and isinstance(op, dict) and op.get("operationId")
    ]


def add_links(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with the create -> item and read -> write links added (in place, and returned)."""
    operations = _operations(document)
    for path, method, op in operations:
        if method != "post" or "201" not in op.get("responses", {}):
            continue
        created = op["responses"]["201"]
        properties = _body_properties(document, created)
        known = set(_PARAM.findall(path))
        for target_path, target_method, target in operations:
            item = _item_below(path, target_path)
            field = _field_for(item, properties) if item else None
            if item is None or field is None or set(_PARAM.findall(target_path)) != known | {item}:
                continue
            parameters = {f"path.{name}": f"$request.path.{name}" for name in sorted(known)}
            parameters[f"path.{item}"] = f"$response.body#/{field}"
            created.setdefault("links", {})[target["operationId"]] = {
                "operationId": target["operationId"],
                "parameters": parameters,
                "description": f"{target_method.upper()} {target_path} of the created item",
            }
    for path, method, op in operations:
        read = op.get("responses", {}).get("200")
        if method != "get" or read is None or not path.endswith("}"):
            continue
        names = set(_PARAM.findall(path))
        for target_path, target_method, target in operations:
            same_item = target_path == path or (
                target_path.startswith(path + "/") and set(_PARAM.findall(target_path)) == names
            )
            if target_method not in WRITES or not same_item:
                continue
            parameters = {f"path.{name}": f"$request.path.{name}" for name in sorted(names)}
            if any(p.get("name") == "If-Match" for p in target.get("parameters", [])):
                parameters["header.If-Match"] = "$response.header.ETag"
            read.setdefault("links", {})[target["operationId"]] = {
                "operationId": target["operationId"],
                "parameters": parameters,
                "description": f"{target_method.upper()} {target_path} of the item read",
            }
    return document


def rename_link_targets(paths: dict[str, Any], renamed: dict[str, str]) -> None:
    """Point every link under ``paths`` at its target's new operationId (``renamed``: old -> new)."""
    for _path, _method, op in _operations({"paths": paths}):
        for response in op.get("responses", {}).values():
            links = response.get("links") if isinstance(response, dict) else None
            if not links:
                continue
            response["links"] = {
                renamed.get(name, name): {
                    **link,
                    "operationId": renamed.get(link["operationId"], link["operationId"]),
                }
                for name, link in links.items()
            }
