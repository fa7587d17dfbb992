"""The order in which the files of one package are imported, judged by a peek at their content."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
_PEEK = 16 * 1024
# (marker, rank) checked in this order: offers after goods, documents last, classifier first.
_MARKERS = (
    ("<ПакетПредложений", 3),
    ("<ИзмененияПакетаПредложений", 3),
    ("<Документ", 4),
    ("<Контейнер", 4),
    ("<Классификатор", 0),
    ("<Каталог", 1),
)


def _rank(path: Path) -> int:
    try:
        with path.open("rb") as fh:
            head = fh.read(_PEEK)
    except OSError:
        return 9
    for marker, rank in _MARKERS:
        # windows-1251 files hold the same markers in another encoding
        if marker.encode() in head or marker.encode("cp1251") in head:
            return rank
    return 2


def import_order(files: Iterable[tuple[T, Path]]) -> list[tuple[T, Path]]:
    """`files` sorted: classifier, goods, offers/prices/rests, documents; then by path."""
    return sorted(files, key=lambda item: (_rank(item[1]), str(item[1])))
