"""Registry of reference data sets loadable with `amahoro load_reference NAME`."""

from __future__ import annotations

from collections.abc import Callable

# Each app registers its data sets from AppConfig.ready() (geo: "rwanda"; frameworks: "nap-rw-2018").
REFERENCE_LOADERS: dict[str, Callable[[], str]] = {}


def register(name: str, loader: Callable[[], str]) -> None:
    REFERENCE_LOADERS[name] = loader
