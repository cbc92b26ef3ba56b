"""Static files storage for production: WhiteNoise's hashed names (cached for ten years) with .gz and .br
copies written by collectstatic, tolerant of the source maps vendored libraries mention but do not ship."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from typing import Any

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def url_converter(
        self, name: str, hashed_files: Any, template: str | None = None
    ) -> Callable[[re.Match[str]], str]:
        convert = super().url_converter(name, hashed_files, template)

        def converter(matchobj: re.Match[str]) -> str:
            url = matchobj["url"]
            # `//# sourceMappingURL=leaflet.js.map` without the .map file: leave the comment alone rather
            # than fail collectstatic (browsers only fetch it with the developer tools open).
            if url.endswith(".map") and not self.exists(posixpath.join(posixpath.dirname(name), url)):
                return matchobj["matched"]
            return convert(matchobj)

        return converter
