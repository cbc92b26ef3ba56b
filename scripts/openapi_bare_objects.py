"""List the API operations whose request body or success response is still an untyped JSON object.

Usage: .venv/bin/python scripts/openapi_bare_objects.py  (prints them and the count; see
amahoro/api/tests/test_openapi.py::MAX_BARE_OBJECT_OPERATIONS, which may only go down)."""

from __future__ import annotations

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amahoro.settings.test")
django.setup()

from drf_spectacular.generators import SchemaGenerator  # noqa: E402

from amahoro.api.schema import bare_object_operations  # noqa: E402

schema = SchemaGenerator().get_schema(request=None, public=True)
operations = sum(
    1 for item in schema["paths"].values() for m in item if m in {"get", "put", "post", "patch", "delete"}
)
bare = bare_object_operations(schema)
for line in bare:
    print(line)
print(f"{len(bare)} of {operations} operations still use an untyped object")
