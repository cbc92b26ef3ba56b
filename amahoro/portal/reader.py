"""The public reader: the identity every public (no login) read goes through (defined in `amahoro.policy`,
below every app, so that lower apps such as consultations can read "as the public" without importing the
portal)."""

from __future__ import annotations

from amahoro.policy import NO_ORGANISATION, PUBLIC_PERMS, PublicReader, public_reader

__all__ = ["NO_ORGANISATION", "PUBLIC_PERMS", "PublicReader", "public_reader"]
