"""`python -m bench [NAME ...]`: run benchmarks by name (all when none is given), one after another.

Each benchmark is also its own command, `python -m bench.<name>`, with its own options.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys

BENCHES = (
    "search_bench",
    "onec_bench",
    "bot_bench",
    "broadcast_bench",
    "dashboard_bench",
    "after_hours_bench",
    "crosses_bench",
    "workers_bench",
)


def main(argv: list[str]) -> int:
    """Run the named benchmarks (or every one present); the worst exit code is returned."""
    names = argv or [n for n in BENCHES if importlib.util.find_spec(f"bench.{n}") is not None]
    unknown = [n for n in names if n not in BENCHES]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHES)}")
        return 2
    worst = 0
    for name in names:
        print(f"== bench.{name}", flush=True)
        worst = max(worst, subprocess.call([sys.executable, "-m", f"bench.{name}"]))
    return worst


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
