"""The data visualizer: DHIS2's analytics API (`GET /api/v1/analytics`, .csv, .xlsx) and the `/analytics/`
page (pivot table, charts, thematic maps), every figure read through `amahoro.analytics.engine`."""
