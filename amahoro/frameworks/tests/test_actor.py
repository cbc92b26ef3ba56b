"""A missing actor fails closed: the frameworks services and framework files refuse `actor=None`;
`policy.SYSTEM` (management commands, the reference loader) passes the policy."""

from __future__ import annotations

import pytest

from amahoro import policy
from amahoro.core.errors import PermissionDenied
from amahoro.frameworks import interchange, services
from amahoro.frameworks.models import Framework

PLAN = """
framework:
  code: SYS-PLAN
  name: A plan loaded by the platform
  goals:
    - code: G1
      name: A goal
"""


def test_framework_services_refuse_no_actor_and_accept_the_system(cast) -> None:
    with pytest.raises(PermissionDenied, match="no actor"):
        services.framework_create(actor=None, code="SYS-FW", name="National plan")
    fw = services.framework_create(actor=policy.SYSTEM, code="SYS-FW", name="National plan")
    with pytest.raises(PermissionDenied, match="no actor"):
        services.node_create(actor=None, framework=fw, code="G1", name="Goal", kind="goal")
    node = services.node_create(actor=policy.SYSTEM, framework=fw, code="G1", name="Goal", kind="goal")
    assert node.created_by is None  # the system is no user
    with pytest.raises(PermissionDenied, match="no actor"):
        services.framework_update(actor=None, framework=fw, name="Renamed")


def test_framework_files_refuse_no_actor_and_accept_the_system(cast) -> None:
    bundle = interchange.parse_text(PLAN, "yaml")
    with pytest.raises(PermissionDenied, match="no actor"):
        interchange.framework_import(actor=None, bundle=bundle)
    assert not Framework.objects.filter(code="SYS-PLAN").exists()
    interchange.framework_import(actor=policy.SYSTEM, bundle=bundle)
    fw = Framework.objects.get(code="SYS-PLAN")
    with pytest.raises(PermissionDenied, match="no actor"):
        interchange.framework_export(actor=None, framework=fw, fmt="json")
    content, _, name = interchange.framework_export(actor=policy.SYSTEM, framework=fw, fmt="json")
    assert name == "SYS-PLAN.json" and b"SYS-PLAN" in content
