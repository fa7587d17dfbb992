"""Core tests: the search quality scores go to the end of the pytest summary."""

from __future__ import annotations

from typing import Any


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print hit@1 per kind of the labelled search queries, per database, when they ran."""
    from tests.core.search_catalog import SCORES

    for database, results in SCORES.items():
        terminalreporter.write_sep("-", f"search hit@1 on {database}")
        right = sum(r for r, _ in results.values())
        asked = sum(n for _, n in results.values())
        for kind, (r, n) in results.items():
            terminalreporter.write_line(f"{kind:<16} {r:>4}/{n:<4} {r / n:7.1%}")
        terminalreporter.write_line(f"{'overall':<16} {right:>4}/{asked:<4} {right / asked:7.1%}")
