"""The labelled query set, scored: hit@1 >= 95 % overall and >= 90 % for every kind."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.models import PriceType
from tests.core import search_catalog

SCORES = search_catalog.SCORES


@pytest.fixture
async def catalog(session):
    generated = search_catalog.generate()
    await search_catalog.load(session, generated)
    return generated


async def test_hit_at_1_per_kind(session, catalog) -> None:
    dealer = await session.scalar(
        select(PriceType.id).where(PriceType.onec_id == search_catalog.DEALER_TYPE)
    )
    results, misses = await search_catalog.score(session, catalog, dealer)
    SCORES[session.get_bind().dialect.name] = results
    right = sum(r for r, _ in results.values())
    asked = sum(n for _, n in results.values())
    lines = [f"{kind:<16} {r:>4}/{n:<4} {r / n:6.1%}" for kind, (r, n) in results.items()]
    lines.append(f"{'overall':<16} {right:>4}/{asked:<4} {right / asked:6.1%}")
    print("\nsearch hit@1\n" + "\n".join(lines) + "\nmisses:\n" + "\n".join(misses[:40]))
    assert asked >= 300
    assert right / asked >= 0.95, misses[:20]
    for kind, (r, n) in results.items():
        assert r / n >= 0.90, (kind, [m for m in misses if m.startswith(kind)][:10])
