"""The OpenAPI document's shared parts, added after drf-spectacular has built it (POSTPROCESSING_HOOKS):
one `Error` schema for every 4xx (the shape of api/errors.py), 400/401/403/404 on every operation that
can answer them, and no default that its own format forbids. Everything else comes from each endpoint's
own serializers (its one contract).

`bare_object_operations(schema)` lists the operations whose request or success response is an untyped
object; a test keeps that list empty."""

from __future__ import annotations

import re
from typing import Any

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Every 4xx answer: a message, a code, and the field (dotted path) or row at fault.",
    "properties": {
        "error": {"type": "string", "description": "What is wrong, and where"},
        "code": {"type": "string", "description": "Machine-readable code, e.g. invalid, not_found"},
        "field": {"type": "string", "description": "The field at fault (`body` for a malformed body)"},
        "errors": {"type": "object", "additionalProperties": True, "description": "All field errors"},
    },
    "required": ["error", "code"],
}
ERROR_REF = {"$ref": "#/components/schemas/Error"}
ERROR_RESPONSES = {
    "400": "Malformed body or parameter (the message names the field)",
    "401": "No credentials or invalid credentials",
    "403": "Signed in, but the role does not allow this",
    "404": "Not found, or not visible to you (the two are answered alike)",
}


def _bare(schema: Any) -> bool:
    return (
        isinstance(schema, dict)
        and schema.get("type") == "object"
        and not schema.get("properties")
        and not any(k in schema for k in ("$ref", "oneOf", "anyOf", "allOf"))
    )


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    methods = ("get", "put", "post", "patch", "delete")
    return [
        (path, method, op)
        for path, item in schema.get("paths", {}).items()
        for method, op in item.items()
        if method in methods
    ]


def bare_object_operations(schema: dict[str, Any]) -> list[str]:
    """`METHOD path` of every operation whose request body or 2xx response is an untyped object."""
    out = []
    for path, method, op in _operations(schema):
        bodies = [c.get("schema") for c in op.get("requestBody", {}).get("content", {}).values()]
        for code, response in op.get("responses", {}).items():
            if str(code).startswith("2"):
                bodies += [c.get("schema") for c in response.get("content", {}).values()]
        if any(_bare(b) for b in bodies):
            out.append(f"{method.upper()} {path}")
    return out


def _drop_forbidden_defaults(node: Any) -> None:
    """A default its own format rejects (`default: ''` with `format: email`) makes the document invalid."""
    if isinstance(node, dict):
        if node.get("default") == "" and node.get("format") in {"email", "uri", "date", "date-time", "uuid"}:
            del node["default"]
        for value in node.values():
            _drop_forbidden_defaults(value)
    elif isinstance(node, list):
        for value in node:
            _drop_forbidden_defaults(value)


def postprocess(result: dict[str, Any], generator: Any, request: Any, public: Any) -> dict[str, Any]:
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    for path, _method, op in _operations(result):
        responses = op.setdefault("responses", {})
        wanted = ["401", "403"]
        if op.get("requestBody") or any(p.get("in") == "query" for p in op.get("parameters", [])):
            wanted.append("400")
        if re.search(r"\{\w+\}", path):
            wanted.append("404")
        for code in sorted(set(wanted) | {c for c in responses if str(c).startswith("4")}):
            existing = responses.get(code)
            if existing is not None and existing.get("content"):
                continue  # documented by the view (an import summary, a DHIS2 WebMessage...)
            description = (existing or {}).get("description") or ERROR_RESPONSES.get(code, "Refused")
            responses[code] = {
                "description": description,
                "content": {"application/json": {"schema": ERROR_REF}},
            }
    _drop_forbidden_defaults(result)
    return result
