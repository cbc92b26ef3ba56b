"""The public reader: the identity every public (no login) read goes through, so the portal asks the same
policy module as every other page instead of bypassing it.

It acts like a `viewer` of no organisation over the whole country: through the existing rules it sees
national and public frameworks (not organisations' private plans), shared metadata, and data values that
belong to no organisation (national statistics, e.g. the participation series). Case, participant and
organisation-owned data stay invisible to it, and it holds no permission to change anything.
"""

from __future__ import annotations

from amahoro import policy
from amahoro.roles import Perm, Role

PUBLIC_PERMS = frozenset({Perm.FRAMEWORK_VIEW, Perm.DATA_VIEW, Perm.ORGUNIT_VIEW})
# No organisation has id 0 (primary keys start at 1), so the grant's organisation matches nothing.
NO_ORGANISATION = 0


class PublicReader:
    """Never saved, never signed in: only the policy module ever sees it."""

    is_authenticated = True  # for the policy only; views still treat the visitor as anonymous
    is_active = True
    is_superuser = False
    is_staff = False
    pk = None
    id = None
    username = "public"

    def __init__(self) -> None:
        grant = policy.Grant(NO_ORGANISATION, Role.VIEWER, None, PUBLIC_PERMS)
        setattr(self, policy._CACHE_ATTR, (grant,))

    def __str__(self) -> str:
        return "public reader"


def public_reader() -> PublicReader:
    return PublicReader()
