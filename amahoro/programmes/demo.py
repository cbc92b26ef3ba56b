"""Demo step (filled in below)."""

from __future__ import annotations

from typing import Any


def programmes_demo_step(result: Any, actor: Any) -> None:
    return None
