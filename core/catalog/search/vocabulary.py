"""The words and brands the catalog holds, to correct a query that found nothing.

Built from the active items (their search text and brand properties) once, and again only when
the catalog changed: the check reads the highest item id and the latest change time, two index
look-ups. Kept per database in the process.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from core.catalog.normalize import normalize_text
from core.catalog.search.forms import has_cyrillic, other_layout, sound_key, stem, to_latin
from core.models import Product

MIN_FUZZY = 4  # shorter words are not corrected for typos: too many neighbours
MIN_BRAND_KEY = 2
MIN_BRAND_WORD = 3  # Latin name words this long may be brands when no brand property names one
BRAND_SIMILARITY = 80.0  # rapidfuzz ratio of the Latin forms when the sound keys differ
# Where 1C puts a brand: the manufacturer element, or a requisite / characteristic so named.
BRAND_KEYS = ("бренд", "производитель", "марка", "торговая марка", "brand", "manufacturer")
_FLEETING = "еоё"  # vowels that come and go between forms of a Russian word
_EDGE_MARKS = ".,;:!?()[]\"'«»"


@dataclass
class Vocabulary:
    """Known tokens, their stems, words for typo correction, and brands by sound key."""

    tokens: set[str] = field(default_factory=set)
    stems: dict[str, str] = field(default_factory=dict)  # stem -> its most frequent token
    words_by_length: dict[int, list[str]] = field(default_factory=dict)
    brands: dict[str, str] = field(default_factory=dict)  # lower-case brand -> sound key
    latin_words: dict[str, str] = field(default_factory=dict)  # the same, of Latin name words

    def knows(self, word: str) -> bool:
        """Whether the word, or another form of it, occurs in the catalog."""
        return word in self.tokens or stem(word) in self.stems

    def correct(self, word: str) -> str | None:
        """The catalog's word meant by `word`, or None when it is known or nothing fits.

        Tried in this order: the other keyboard layout, Latin transliteration (articles typed
        in Cyrillic), a brand written in the other alphabet, one or two wrong letters.
        """
        if any(ch.isdigit() for ch in word):
            # An article or a code: typed in the Russian layout, it holds Cyrillic letters;
            # the search then looks the other layout's form up as an article.
            return other_layout(word).lower() if has_cyrillic(word) else None
        if self.knows(word):
            return None
        for form in (other_layout(word).lower(), to_latin(word).lower()):
            if form != word and self.knows(form):
                return form
        return self.other_form(word) or self.brand(word) or self.fuzzy(word)

    def other_form(self, word: str) -> str | None:
        """The catalog's form of a word whose stem loses or gains a vowel ("ремни", "ремня" ->
        "ремень"; "колодок" -> "колодки"): a stem one vowel away, before its last letter."""
        root = stem(word)
        if len(root) < 3 or not root.isalpha():
            return None
        shorter = [root[:-2] + root[-1]] if root[-2] in _FLEETING else []
        longer = [root[:-1] + vowel + root[-1] for vowel in _FLEETING]
        for other in (*shorter, *longer):
            token = self.stems.get(other)
            if token is not None:
                return token
        return None

    def brand(self, word: str) -> str | None:
        """The brand that `word` spells in the other alphabet (`гейтс` -> `gates`): from the
        brand property, else from the Latin words of the names."""
        return _spelled(word, self.brands) or _spelled(word, self.latin_words)

    def fuzzy(self, word: str) -> str | None:
        """The most frequent catalog word one or two letters away (one for short words)."""
        if len(word) < MIN_FUZZY or not word.isalpha():
            return None
        limit = 1 if len(word) <= 5 else 2
        best: tuple[int, int, str] | None = None
        for length in range(len(word) - limit, len(word) + limit + 1):
            candidates = self.words_by_length.get(length)
            if not candidates:
                continue
            found = process.extractOne(
                word, candidates, scorer=Levenshtein.distance, score_cutoff=limit
            )
            if found is not None:
                rank = (int(found[1]), int(found[2]), str(found[0]))  # distance, frequency order
                if best is None or rank[:2] < best[:2]:
                    best = rank
        return None if best is None else best[2]


def _spelled(word: str, brands: dict[str, str]) -> str | None:
    """The brand of `brands` (name -> sound key) that `word` spells in the other alphabet."""
    key = sound_key(word)
    if len(key) < MIN_BRAND_KEY or not brands:
        return None
    latin = to_latin(word).lower()
    same = [brand for brand, brand_key in brands.items() if brand_key == key]
    if same:
        return max(same, key=lambda brand: fuzz.ratio(latin, to_latin(brand)))
    found = process.extractOne(
        latin,
        {brand: to_latin(brand) for brand in brands},
        scorer=fuzz.ratio,
        score_cutoff=BRAND_SIMILARITY,
    )
    return None if found is None else str(found[2])


def build(tokens: Counter[str], brands: list[str]) -> Vocabulary:
    """A vocabulary from the tokens of the items' search texts (with their counts) and brand
    names. Only words count: articles and barcodes are looked up as such."""
    counts: Counter[str] = Counter()
    for token, count in tokens.items():
        word = token.strip(_EDGE_MARKS)
        if word.isalpha():
            counts[word] += count
    vocabulary = Vocabulary(tokens=set(counts))
    for word, _ in counts.most_common():
        vocabulary.stems.setdefault(stem(word), word)
        if len(word) >= MIN_FUZZY:
            vocabulary.words_by_length.setdefault(len(word), []).append(word)
        if len(word) >= MIN_BRAND_WORD and word.isascii():
            vocabulary.latin_words[word] = sound_key(word)
    for name in brands:
        brand = normalize_text(name)
        if brand:
            vocabulary.brands[brand] = sound_key(brand)
    vocabulary.tokens.update(vocabulary.brands)
    return vocabulary


# PostgreSQL splits and counts the words itself: a few thousand rows come back, not every item.
_PG_TOKENS = text(
    "SELECT w, count(*) FROM (SELECT unnest(string_to_array(search_text, ' ')) AS w "
    "FROM products WHERE is_active) AS t WHERE w !~ '[0-9]' GROUP BY w"
)


async def _tokens(session: AsyncSession) -> Counter[str]:
    """Tokens without digits of the active items' search texts, with how often they occur."""
    if session.get_bind().dialect.name == "postgresql":
        return Counter({w: int(n) for w, n in await session.execute(_PG_TOKENS)})
    counts: Counter[str] = Counter()
    for value in await session.scalars(select(Product.search_text).where(Product.is_active)):
        counts.update(value.split())
    return counts


_CACHE: dict[str, tuple[tuple[int | None, datetime | None], Vocabulary]] = {}


async def vocabulary(session: AsyncSession) -> Vocabulary:
    """The vocabulary of the session's database, rebuilt when the catalog changed.

    A small catalog's vocabulary is rebuilt at once. A big one's takes seconds, so it is
    rebuilt aside (its own session) while the previous one, or an empty one at the start,
    serves: a correction may lag a catalog change by that long, a search never waits for it.
    `warm` builds it at once whatever the size.
    """
    key, signature = await _signature(session)
    cached = _CACHE.get(key)
    if cached is not None and cached[0] == signature:
        return cached[1]
    bind = session.bind
    if (signature[0] or 0) <= SYNC_BUILD_ITEMS or not isinstance(bind, AsyncEngine):
        return await _store(session, key, signature)
    if key not in _REBUILDS:
        _REBUILDS[key] = asyncio.create_task(_rebuild(bind, key, signature))
    return cached[1] if cached is not None else Vocabulary()


async def warm(session: AsyncSession) -> Vocabulary:
    """Build the vocabulary now (at start-up, before measuring)."""
    key, signature = await _signature(session)
    cached = _CACHE.get(key)
    if cached is not None and cached[0] == signature:
        return cached[1]
    return await _store(session, key, signature)


SYNC_BUILD_ITEMS = 20_000  # catalogs up to this many items are rebuilt while the query waits
_REBUILDS: dict[str, asyncio.Task[None]] = {}


async def _signature(session: AsyncSession) -> tuple[str, tuple[int | None, datetime | None]]:
    key = session.get_bind().engine.url.render_as_string(hide_password=True)
    row = (await session.execute(select(func.max(Product.id), func.max(Product.updated_at)))).one()
    return key, (row[0], row[1])


async def _rebuild(
    engine: AsyncEngine, key: str, signature: tuple[int | None, datetime | None]
) -> None:
    try:
        async with AsyncSession(engine) as session:
            await _store(session, key, signature)
    finally:
        _REBUILDS.pop(key, None)


async def _store(
    session: AsyncSession, key: str, signature: tuple[int | None, datetime | None]
) -> Vocabulary:
    """Build the vocabulary from the catalog and keep it under `signature`."""
    tokens = await _tokens(session)
    names: set[str] = set()
    manufacturer = Product.properties["manufacturer"].as_string()
    names.update(
        await session.scalars(
            select(manufacturer).where(Product.is_active, manufacturer.is_not(None)).distinct()
        )
    )
    for part in ("requisites", "features"):
        rows = await session.scalars(
            select(Product.properties[part]).where(
                Product.is_active, Product.properties[part].is_not(None)
            )
        )
        for pairs in rows:
            if isinstance(pairs, dict):
                names.update(
                    str(v) for k, v in pairs.items() if str(k).strip().lower() in BRAND_KEYS and v
                )
    built = build(tokens, sorted(names))
    _CACHE[key] = (signature, built)
    return built
