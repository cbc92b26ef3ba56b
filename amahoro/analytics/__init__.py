"""Analytics: fast read-only aggregation of data values (see engine.aggregate and docs/performance.md)."""

import os

# Polars sizes its thread pool when it is first imported, so this must run before any import of it.
# Analytics queries read tens of thousands of rows inside web workers that already serve requests in
# parallel; one thread per query measured ~25% faster than two on the project's 2-core machines
# (docs/performance.md). Set POLARS_MAX_THREADS in the environment to choose otherwise.
os.environ.setdefault("POLARS_MAX_THREADS", "1")
