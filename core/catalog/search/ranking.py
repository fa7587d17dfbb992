"""The order of results: exact hits first, then priced before priceless, then by tier.

Exact hits (the normalised article, the barcode) always come first, whatever their price.
After them, items with a price of the dealer's price type before those without one ("цена по
запросу"), and within each of those by tier (prefix, further sources, words) and the tier's own
order. An item found by several tiers counts at its best one.
"""

from __future__ import annotations

from collections.abc import Iterable

from core.catalog.search.sources import TIER_BARCODE, TIER_EXACT_ARTICLE, Candidate

EXACT_TIERS = frozenset({TIER_EXACT_ARTICLE, TIER_BARCODE})


def rank(candidates: Iterable[Candidate]) -> list[Candidate]:
    """Candidates without repeats, best first."""
    best: dict[int, tuple[tuple[int, int, int, int], Candidate]] = {}
    for position, candidate in enumerate(candidates):
        key = (
            0 if candidate.tier in EXACT_TIERS else 1,
            0 if candidate.has_price or candidate.tier in EXACT_TIERS else 1,
            candidate.tier,
            position,
        )
        pid = candidate.row[0]
        if pid not in best or key < best[pid][0]:
            best[pid] = (key, candidate)
    return [candidate for _, candidate in sorted(best.values(), key=lambda pair: pair[0])]
