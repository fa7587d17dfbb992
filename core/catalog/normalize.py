"""Normalisation of articles and names, so that people find items however they type them."""

from __future__ import annotations

import re

# Cyrillic letters that look like Latin ones, mapped to the Latin letter (upper case).
_LOOKALIKES = str.maketrans(
    {
        "А": "A",
        "В": "B",
        "С": "C",
        "Е": "E",
        "Ё": "E",
        "К": "K",
        "М": "M",
        "Н": "H",
        "О": "O",
        "Р": "P",
        "Т": "T",
        "Х": "X",
        "У": "Y",
    }
)
_NOT_ALNUM = re.compile(r"[\W_]+", re.UNICODE)


def normalize_article(value: str) -> str:
    """Upper-case, Cyrillic look-alikes to Latin, and drop spaces, dashes, dots and other marks.

    `"ос-12.3 a"` and `"OC123A"` both give `"OC123A"`.
    """
    return _NOT_ALNUM.sub("", value.upper().translate(_LOOKALIKES))


def normalize_text(value: str) -> str:
    """Lower-case, `ё` as `е`, single spaces: the form names are searched in."""
    return " ".join(value.lower().replace("ё", "е").split())  # split(): any run of whitespace


def search_text(article: str, name: str, barcode: str | None = None) -> str:
    """The text a product is found by: normalised article, the article as written, name, barcode."""
    parts = [normalize_article(article).lower(), normalize_text(article), normalize_text(name)]
    if barcode:
        parts.append(barcode.strip())
    return " ".join(part for part in parts if part)


def query_words(query: str) -> list[str]:
    """The words of a name query, normalised, in order, without duplicates."""
    seen: dict[str, None] = {}
    for word in normalize_text(query).split(" "):
        word = word.strip(".,;:!?()[]\"'")
        if word:
            seen.setdefault(word, None)
    return list(seen)
