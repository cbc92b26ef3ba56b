"""/api/v1/openapi.json: a valid OpenAPI 3 document listing every core endpoint, behind authentication."""

from __future__ import annotations

import pytest
from drf_spectacular.validation import validate_schema

from .conftest import api_as, assert_error

CORE_PATHS = {
    "/api/v1/orgunits": {"get"},
    "/api/v1/orgunits.geojson": {"get"},
    "/api/v1/orgunits/{code}": {"get"},
    "/api/v1/orgunits/{code}/children": {"get"},
    "/api/v1/organisations": {"get", "post"},
    "/api/v1/organisations/{code}": {"get", "patch"},
    "/api/v1/users": {"get", "post"},
    "/api/v1/users/{username}": {"get"},
    "/api/v1/me": {"get"},
    "/api/v1/role-assignments": {"get", "post"},
    "/api/v1/role-assignments/{id}": {"delete"},
    "/api/v1/audit": {"get"},
    "/api/v1/audit.csv": {"get"},
}


@pytest.fixture
def schema(cast) -> dict:
    response = api_as(cast.viewer_nyarugenge).get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    return response.json()


def test_schema_is_valid_openapi_3(schema) -> None:
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)


def test_schema_lists_every_core_endpoint_and_method(schema) -> None:
    for path, methods in CORE_PATHS.items():
        assert path in schema["paths"], path
        assert methods <= set(schema["paths"][path]), (path, set(schema["paths"][path]))


def test_schema_documents_parameters_and_auth(schema) -> None:
    params = {p["name"] for p in schema["paths"]["/api/v1/orgunits"]["get"]["parameters"]}
    assert {"level", "parent", "q", "include_closed", "page", "page_size"} <= params
    audit = {p["name"] for p in schema["paths"]["/api/v1/audit"]["get"]["parameters"]}
    assert {"action", "actor", "object_type", "since", "until"} <= audit
    assert {"tokenAuth", "basicAuth", "cookieAuth"} <= set(schema["components"]["securitySchemes"])
    listing = schema["paths"]["/api/v1/orgunits"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ]
    assert listing["$ref"].endswith("PaginatedOrgUnitList")


def test_schema_needs_credentials(cast) -> None:
    assert_error(api_as().get("/api/v1/openapi.json"), 401)
