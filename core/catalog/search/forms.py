"""Other forms of what a dealer typed: the other keyboard layout, Latin transliteration, stems.

Pure functions, no database: `core.catalog.search.vocabulary` decides which form the catalog
knows, and the search tries it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import snowballstemmer

_RU = "ёйцукенгшщзхъфывапролджэячсмитьбю"
_EN = "`qwertyuiop[]asdfghjkl;'zxcvbnm,."
# The same key in the ЙЦУКЕН and QWERTY layouts (lower and upper case).
_TO_EN = str.maketrans(_RU + _RU.upper(), _EN + '~QWERTYUIOP{}ASDFGHJKL:"ZXCVBNM<>')
_TO_RU = str.maketrans(_EN + '~QWERTYUIOP{}ASDFGHJKL:"ZXCVBNM<>', _RU + _RU.upper())

_LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "sch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
}  # fmt: skip
_TRANSLIT = str.maketrans({**_LATIN, **{k.upper(): v.upper() for k, v in _LATIN.items()}})
# Spellings that sound alike, then vowels and silent letters dropped: "гейтс" and "Gates" both
# give "gts", "бош" and "Bosch" "bsh", "сакс" and "Sachs" "sks".
_SOUNDS = (("sch", "sh"), ("ck", "k"), ("ph", "f"), ("c", "k"), ("q", "k"), ("w", "v"))
_SILENT = re.compile(r"[aeiouyjh]")
_REPEATS = re.compile(r"(.)\1+")
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_LATIN_LETTER = re.compile(r"[a-z]", re.IGNORECASE)
MIN_STEM = 3


def other_layout(text: str) -> str:
    """The text as the same keys give it in the other layout (ЙЦУКЕН ↔ QWERTY).

    A text with Cyrillic letters is turned to Latin, any other to Cyrillic: `fvjhnbpfnjh` ->
    `амортизатор`, `ДА-1003` -> `LF-1003`.
    """
    if _CYRILLIC.search(text):
        return text.translate(_TO_EN)
    return text.translate(_TO_RU)


def to_latin(text: str) -> str:
    """Cyrillic letters transliterated to Latin ones (`ЛФ-1003` -> `LF-1003`); the rest kept."""
    return text.translate(_TRANSLIT)


def sound_key(word: str) -> str:
    """A rough key of how a word sounds, in Latin letters, to match brands across alphabets."""
    key = to_latin(word.lower())
    for spelled, said in _SOUNDS:
        key = key.replace(spelled, said)
    key = _SILENT.sub("", "".join(ch for ch in key if ch.isalnum()))
    return _REPEATS.sub(r"\1", key)


def has_cyrillic(text: str) -> bool:
    """Whether the text holds a Cyrillic letter."""
    return _CYRILLIC.search(text) is not None


def has_latin(text: str) -> bool:
    """Whether the text holds a Latin letter."""
    return _LATIN_LETTER.search(text) is not None


@lru_cache(maxsize=1)
def _stemmer() -> Any:  # snowballstemmer has no type hints
    return snowballstemmer.stemmer("russian")


@lru_cache(maxsize=20_000)
def stem(word: str) -> str:
    """The Snowball stem of a Russian word (`свечи`, `свеча` -> `свеч`); other words as given.

    A stem is the start of the word, so a stem found inside the catalog's text finds every form
    of the word that keeps it. Stems shorter than MIN_STEM letters are not used.
    """
    if not word.isalpha() or not has_cyrillic(word) or has_latin(word):
        return word
    stemmed: str = _stemmer().stemWord(word)
    return stemmed if len(stemmed) >= MIN_STEM else word
