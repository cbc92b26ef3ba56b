"""DHIS2's WebMessage wrapper around import summaries and reports, as DHIS2 2.38 and later answer.

DHIS2 2.38+ answers an import with HTTP 200 (no conflicts) or 409 (conflicts or errors) and a body
`{"httpStatus", "httpStatusCode", "status": OK|WARNING|ERROR, "message", "response": <ImportSummary or
ImportReport>}`. The DHIS2-compatible paths (/api/dataValueSets, /api/metadata) answer exactly that.
/api/v1/ keeps its older contract (the summary's fields at the top level; 200 when some values were
imported) and carries the same wrapper fields beside them, so a client may read either.
"""

from __future__ import annotations

from typing import Any

SUCCESS_MESSAGE = "Import was successful."
WARNING_MESSAGE = "One more conflicts encountered, please check import summary."
ERROR_MESSAGE = "An error occurred, please check import summary."
REPORT_ERROR_MESSAGE = "One or more errors occurred, please see full details in import report."


def _wrapper(http: int, status: str, message: str, response: dict[str, Any]) -> dict[str, Any]:
    return {
        "httpStatus": "OK" if http == 200 else "Conflict",
        "httpStatusCode": http,
        "status": status,
        "message": message,
        "response": response,
    }


def import_summary(summary: dict[str, Any], *, dhis2: bool) -> tuple[dict[str, Any], int]:
    """(body, HTTP status) for a dataValueSets ImportSummary (status SUCCESS, WARNING or ERROR)."""
    status = summary["status"]
    if status == "ERROR":
        http, web_status, message = 409, "ERROR", ERROR_MESSAGE
    elif status == "WARNING":
        http, web_status, message = (409 if dhis2 else 200), "WARNING", WARNING_MESSAGE
    else:
        http, web_status, message = 200, "OK", SUCCESS_MESSAGE
    wrapper = _wrapper(http, web_status, message, summary)
    if dhis2:
        return wrapper, http
    return summary | {k: v for k, v in wrapper.items() if k not in summary}, http


def import_report(report: dict[str, Any], *, dhis2: bool) -> tuple[dict[str, Any], int]:
    """(body, HTTP status) for a metadata ImportReport (status OK, WARNING or ERROR). /api/v1/ keeps
    answering 200 for WARNING (objects skipped by importStrategy), as it always has."""
    status = report["status"]
    response = {"responseType": "ImportReport"} | report
    if status == "OK":
        http, message = 200, SUCCESS_MESSAGE
    else:
        http = 409 if (dhis2 or status == "ERROR") else 200
        message = REPORT_ERROR_MESSAGE
    wrapper = _wrapper(http, status, message, response)
    if dhis2:
        return wrapper, http
    return report | {k: v for k, v in wrapper.items() if k not in report}, http
