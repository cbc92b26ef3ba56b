"""/api/v1/openapi.json describes the contract endpoints of the domain apps (issues' API contracts), each
operation under its own operationId."""

from __future__ import annotations

from .conftest import api_as

CONTRACT_PATHS = {
    "/api/v1/gbv/incidents": {"get", "post"},
    "/api/v1/scales": {"get", "post"},
    "/api/v1/scales/{code}/score": {"post"},
    "/api/v1/funding/iati": {"post"},
    "/api/v1/forms": {"get"},
}
OPERATION_IDS = [
    ("/api/v1/gbv/incidents", "get", "gbv_incidents_list"),
    ("/api/v1/gbv/incidents/{ident}", "get", "gbv_incidents_get"),
    ("/api/v1/gbv/referrals", "get", "gbv_referrals_list"),
    ("/api/v1/gbv/referrals/{service_id}", "get", "gbv_referrals_get"),
    ("/api/v1/scales", "get", "scales_list"),
    ("/api/v1/scales/{code}", "get", "scales_get"),
    ("/api/v1/programmes", "get", "programmes_list"),
    ("/api/v1/programmes/{code}", "get", "programmes_get"),
    ("/api/v1/funding/budget-lines/{id}", "get", "funding_budget_line_get"),
    ("/api/v1/funding/budget-lines/{id}", "delete", "funding_budget_line_delete"),
    ("/api/v1/funding/transactions/{id}", "get", "funding_transaction_get"),
    ("/api/v1/funding/transactions/{id}", "delete", "funding_transaction_delete"),
]


def test_openapi_lists_the_contract_paths_with_distinct_operation_ids(cast) -> None:
    response = api_as(cast.viewer_nyarugenge).get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    for path, methods in CONTRACT_PATHS.items():
        assert path in paths, path
        assert methods <= set(paths[path]), (path, set(paths[path]))
    intake = paths["/api/v1/gbv/incidents"]["post"]
    body = intake["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert {"survivor", "incident_date", "report_date", "org_unit", "classification"} <= set(
        schema["components"]["schemas"][body]["required"]
    )
    assert "201" in intake["responses"]
    # List and detail (and the two funding record kinds) are distinct operations, not numbered duplicates.
    for path, method, operation_id in OPERATION_IDS:
        assert paths[path][method]["operationId"] == operation_id, (path, method)
