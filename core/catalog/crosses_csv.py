"""The admin's cross-number file: `article,brand,cross_article,cross_brand`, all or nothing.

UTF-8 (with or without BOM) or Windows-1251, comma or semicolon (told by the header line).
Every line is checked first; one bad line, or a broken file, and nothing is imported: the report
says which lines and why (in Russian, the admin's language, for both the CLI and the page).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.catalog.crosses import MAX_NUMBER, LinkCounts, Number, link_pairs

HEADER = ("article", "brand", "cross_article", "cross_brand")
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_LINES = 200_000
MAX_PROBLEMS = 200  # lines reported; the count says how many more
FIELD_NAMES = {
    "article": "артикул",
    "brand": "бренд",
    "cross_article": "кросс-номер",
    "cross_brand": "бренд кросс-номера",
}
REASONS = {
    "columns": "ожидалось 4 колонки, в строке {count}",
    "article_required": "не указан артикул",
    "cross_required": "не указан кросс-номер",
    "no_alnum": "в поле «{field}» нет ни букв, ни цифр",
    "too_long": "поле «{field}» длиннее {limit} символов",
    "same": "артикул и кросс-номер — один и тот же номер",
    "bad_quotes": "строка не разбирается как CSV: {error}",
}
FILE_ERRORS = {
    "empty": "Файл пустой.",
    "too_large": "Файл больше {limit_mb} МБ.",
    "not_text": "Файл не похож на CSV: ожидается текст в UTF-8 или Windows-1251.",
    "header": (
        "Первая строка должна быть заголовком article,brand,cross_article,cross_brand "
        "(через запятую или точку с запятой); в файле: «{found}»."
    ),
    "too_many_lines": "В файле больше {limit} строк.",
    "no_rows": "В файле нет ни одной строки с номерами.",
}


@dataclass(frozen=True)
class LineProblem:
    """A line that cannot be imported: its number in the file (the header is line 1), why."""

    line: int
    key: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def reason(self) -> str:
        return REASONS[self.key].format(**self.params)


@dataclass
class CrossImportReport:
    """What happened to a file: imported (with counts) or not, and why not."""

    lines: int = 0  # data lines read (blank lines not counted)
    pairs: list[tuple[Number, Number]] = field(default_factory=list)
    problems: list[LineProblem] = field(default_factory=list)
    problem_count: int = 0
    file_error: str | None = None  # a message of FILE_ERRORS, formatted
    encoding: str = ""
    delimiter: str = ""
    counts: LinkCounts | None = None

    @property
    def imported(self) -> bool:
        return self.counts is not None

    def summary(self) -> str:
        """One line in Russian: what was imported, or why nothing was."""
        if self.file_error:
            return f"Ничего не загружено. {self.file_error}"
        if self.problem_count:
            return (
                f"Ничего не загружено: строк с ошибками — {self.problem_count} из {self.lines}. "
                "Исправьте их и загрузите файл снова."
            )
        assert self.counts is not None
        return (
            f"Загружено пар: {len(self.pairs)}; новых номеров: {self.counts.numbers_added}, "
            f"новых групп: {self.counts.groups_created}, слито групп: {self.counts.groups_merged}."
        )


def _file_error(report: CrossImportReport, key: str, **params: Any) -> CrossImportReport:
    report.file_error = FILE_ERRORS[key].format(**params)
    return report


def _decode(data: bytes) -> tuple[str, str] | None:
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        sample = text[:4096]
        controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n")
        if "\x00" in sample or controls > len(sample) // 100:
            return None
        return text, "UTF-8" if encoding == "utf-8-sig" else "Windows-1251"
    return None


def _check(line: int, cells: list[str]) -> LineProblem | tuple[Number, Number]:
    if len(cells) != len(HEADER):
        return LineProblem(line, "columns", {"count": len(cells)})
    values = dict(zip(HEADER, (" ".join(c.split()) for c in cells), strict=True))
    for name, value in values.items():
        if len(value) > MAX_NUMBER:
            return LineProblem(line, "too_long", {"field": FIELD_NAMES[name], "limit": MAX_NUMBER})
    if not values["article"]:
        return LineProblem(line, "article_required")
    if not values["cross_article"]:
        return LineProblem(line, "cross_required")
    a = Number(values["article"], values["brand"])
    b = Number(values["cross_article"], values["cross_brand"])
    for name, number in (("article", a), ("cross_article", b)):
        if not number.key[0]:
            return LineProblem(line, "no_alnum", {"field": FIELD_NAMES[name]})
    if a.key == b.key:
        return LineProblem(line, "same")
    return a, b


def parse_crosses(data: bytes) -> CrossImportReport:
    """Read and check a whole file; nothing touches the database."""
    report = CrossImportReport()
    if not data.strip():
        return _file_error(report, "empty")
    if len(data) > MAX_FILE_BYTES:
        return _file_error(report, "too_large", limit_mb=MAX_FILE_BYTES // (1024 * 1024))
    decoded = _decode(data)
    if decoded is None:
        return _file_error(report, "not_text")
    text, report.encoding = decoded
    first = next((line for line in text.splitlines() if line.strip()), "")
    report.delimiter = ";" if first.count(";") >= max(first.count(","), 1) else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=report.delimiter)
    header_seen = False
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if not header_seen:
                names = tuple(cell.strip().lower() for cell in cells)
                if names != HEADER:
                    return _file_error(report, "header", found=first.strip()[:120])
                header_seen = True
                continue
            report.lines += 1
            if reader.line_num > MAX_LINES:
                return _file_error(report, "too_many_lines", limit=MAX_LINES)
            checked = _check(reader.line_num, cells)
            if isinstance(checked, LineProblem):
                report.problem_count += 1
                if len(report.problems) < MAX_PROBLEMS:
                    report.problems.append(checked)
            else:
                report.pairs.append(checked)
    except csv.Error as error:
        report.problem_count += 1
        report.problems.append(LineProblem(reader.line_num, "bad_quotes", {"error": str(error)}))
    if not report.lines and not report.problem_count:
        return _file_error(report, "no_rows")
    return report


async def import_crosses(session: AsyncSession, data: bytes) -> CrossImportReport:
    """Check the file and, only if every line is good, link its pairs (flushed; the caller
    commits). A file with any bad line, or a broken one, changes nothing."""
    report = parse_crosses(data)
    if report.file_error is None and not report.problem_count:
        report.counts = await link_pairs(session, report.pairs, source="csv")
    return report
