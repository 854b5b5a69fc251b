"""The app as `make bench` serves it: the real app, and on the same server a trivial route (the ceiling)."""

import os

from renda import create_app
from renda.cache import never_cached

# BENCH_CACHE_ENTRIES=0 serves every page afresh, to show what the public cache is worth.
app = create_app({"PUBLIC_CACHE_ENTRIES": int(os.environ.get("BENCH_CACHE_ENTRIES", "1000"))})


@app.get("/bench/trivial")
@never_cached
def trivial() -> str:
    return "ok"
