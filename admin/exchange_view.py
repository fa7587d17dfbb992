"""The 1C exchange log as people read it: Russian kinds and states, sizes, durations, counts.

Labels come from core.display LABELS (exchange_*); sizes and durations go through Babel's own
formatters (`format_unit`, `format_timedelta`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from babel.dates import format_timedelta
from babel.units import format_unit

from core.display import LABELS
from core.display.exchange import count_label, exchange_value
from core.models import ExchangeSession

LOCALE = "ru"
KINDS = LABELS["exchange_type"]
STATUSES = LABELS["exchange_status"]
FILE_STATES = LABELS["exchange_file_state"]
COUNT_LABELS = LABELS["exchange_count"]
PACKAGE_WORDS = LABELS["exchange_package"]


def file_size(size: Any) -> str:
    """Bytes as КБ/МБ/ГБ (Babel's unit formatter)."""
    if not isinstance(size, int | float) or size < 0:
        return ""
    for unit, scale in (("gigabyte", 1024**3), ("megabyte", 1024**2), ("kilobyte", 1024)):
        if size >= scale:
            return format_unit(round(size / scale, 1), f"digital-{unit}", "short", locale=LOCALE)
    return format_unit(size, "digital-byte", "short", locale=LOCALE)


def duration(span: timedelta | None) -> str:
    """How long a session took, in words ("37 секунд", "2 минуты")."""
    if span is None:
        return "—"
    if span < timedelta(seconds=1):
        return "меньше секунды"
    return format_timedelta(span, threshold=1.5, locale=LOCALE)


_value = exchange_value
_label = count_label


@dataclass
class FileLine:
    """One file of a session."""

    name: str
    size: str
    state: str
    error: str


@dataclass
class SessionView:
    """One exchange session, ready to show."""

    row: ExchangeSession
    kind: str
    status: str
    took: str
    files: list[FileLine] = field(default_factory=list)
    counts: list[tuple[str, str]] = field(default_factory=list)


def present(row: ExchangeSession) -> SessionView:
    """The readable form of an exchange session."""
    took = (
        duration(row.finished_at - row.started_at)
        if row.finished_at is not None and row.status != "refused"
        else "—"
    )
    files = []
    for name, info in (row.files or {}).items():
        info = info if isinstance(info, dict) else {}
        state = info.get("job") or info.get("state") or ""
        files.append(FileLine(name, file_size(info.get("size")), FILE_STATES.get(state, state), ""))
    counts: list[tuple[str, str]] = []
    for key, value in (row.counts or {}).items():
        if key == "orders" and isinstance(value, list):
            continue  # the numbers themselves; "offered" says how many
        label = key if key in (row.files or {}) else _label(key)
        counts.append((label, _value(key, value)))
    return SessionView(
        row=row,
        kind=KINDS.get(row.exchange_type, row.exchange_type),
        status=(
            "завершён с ошибкой"
            if row.status == "done" and row.error
            else STATUSES.get(row.status, row.status)
        ),
        took=took,
        files=files,
        counts=counts,
    )
