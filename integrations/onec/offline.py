"""`dealerbot import FILE...`: CommerceML files (or zip packages) loaded offline by 1C's code."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.calendar import WorkingCalendar
from core.models import ExchangeSession, utcnow
from integrations.onec.importer import import_file
from integrations.onec.safety import ExchangeRefused, Limits, unpack_zip
from integrations.onec.sorting import import_order


@dataclass
class OfflineResult:
    """Per-file counts and errors of an offline import."""

    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when every file was imported."""
        return not self.errors

    def __str__(self) -> str:
        lines = [f"{name}: {counts}" for name, counts in self.files.items()]
        lines += [f"{name}: FAILED {error}" for name, error in self.errors.items()]
        return "\n".join(lines) or "no files"


async def import_files(
    sessionmaker: async_sessionmaker[AsyncSession],
    paths: Sequence[str | Path],
    *,
    limits: Limits | None = None,
    zone: ZoneInfo | None = None,
    hours: WorkingCalendar | None = None,
) -> OfflineResult:
    """Import files in the order 1C would send them (classifier and goods before offers).

    A zip is unpacked safely into a temporary folder first. Each file is its own transaction; the
    run is logged as an exchange session of type "offline".
    """
    limits = limits or Limits()
    result = OfflineResult()
    async with sessionmaker() as session, session.begin():
        log = ExchangeSession(exchange_type="offline", status="importing")
        session.add(log)
    with tempfile.TemporaryDirectory(prefix="dealerbot-import-") as tmp:
        files: list[tuple[str, Path]] = []
        for raw in paths:
            path = Path(raw)
            if path.suffix.lower() == ".zip":
                try:
                    dest = Path(tmp) / path.stem
                    unpacked = unpack_zip(path, dest, limits)
                except ExchangeRefused as exc:
                    result.errors[str(path)] = str(exc)
                    continue
                files += [
                    (f"{path.name}/{p.relative_to(dest)}", p)
                    for p in unpacked
                    if p.suffix.lower() == ".xml"
                ]
            else:
                files.append((str(path), path))
        for name, path in import_order(files):
            try:
                result.files[name] = await import_file(
                    sessionmaker, path, limits=limits, zone=zone, hours=hours
                )
            except (ExchangeRefused, OSError) as exc:
                result.errors[name] = str(exc)
    async with sessionmaker() as session, session.begin():
        stored = await session.get(ExchangeSession, log.id)
        assert stored is not None
        stored.status = "done" if result.ok else "failed"
        stored.finished_at = utcnow()
        stored.files = {name: {"state": "done"} for name in result.files} | {
            name: {"state": "failed"} for name in result.errors
        }
        stored.counts = {name: counts for name, counts in result.files.items()}
        stored.error = "; ".join(f"{k}: {v}" for k, v in result.errors.items())[:4000] or None
    return result
