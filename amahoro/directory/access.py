"""How service providers are scoped for the policy module (registered in DirectoryConfig.ready).

- Reading: the directory is shared. Any grant carrying organisation.view (every role) sees every provider,
  so a case worker can refer to an organisation that is not theirs.
- Managing (directory.manage): an organisation's administrators and case supervisors keep the providers of
  their own organisation; system administrators keep every provider.
"""

from __future__ import annotations

from django.db.models import Q

from amahoro import policy
from amahoro.policy import Grant
from amahoro.roles import Perm


def read_rule(g: Grant) -> Q:
    return Q()


def manage_rule(g: Grant) -> Q:
    return Q() if g.is_global else Q(organisation_id=g.organisation_id)


def register_rules() -> None:
    policy.register(
        "directory.serviceprovider",
        policy.Rule(read_rule, per_perm={Perm.DIRECTORY_MANAGE: manage_rule}),
    )
