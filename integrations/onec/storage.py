"""ONEC_STORAGE_DIR, checked at start: writable, and the same folder for every worker.

1C's requests of one session may reach different workers (checkauth on one, file chunks on
another, import on a third), so the uploaded files must be where all of them read and append:
one shared folder (a volume mounted at the same path in every worker). The first worker writes
a marker file with a random id into it and keeps the id in the database (`admin_settings`);
every later worker finds the same id in its folder or refuses to start.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.locks import StartRefused
from core.models import AdminSetting

MARKER = ".dealerbot-storage-id"
SETTING = "onec.storage_id"


def _probe(storage_dir: Path) -> None:
    probe = storage_dir / f".write-check-{secrets.token_hex(4)}"
    try:
        storage_dir.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"ok")
        probe.unlink()
    except OSError as error:
        raise StartRefused(
            f"в папку обмена с 1С ONEC_STORAGE_DIR={storage_dir} нельзя писать ({error.strerror}); "
            f"ONEC_STORAGE_DIR={storage_dir} is not writable"
        ) from error


async def check_shared_storage(
    sessionmaker: async_sessionmaker[AsyncSession], storage_dir: Path
) -> str:
    """The storage id, after checking the folder is writable and the one the others use."""
    _probe(storage_dir)
    marker = storage_dir / MARKER
    async with sessionmaker() as session, session.begin():
        if session.get_bind().dialect.name == "postgresql":  # workers starting at once: in turn
            await session.execute(
                text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": SETTING}
            )
        found = marker.read_text(encoding="utf-8").strip() if marker.exists() else None
        row = await session.get(AdminSetting, SETTING, with_for_update=True)
        if row is None:
            found = found or secrets.token_hex(16)
            marker.write_text(found + "\n", encoding="utf-8")
            session.add(AdminSetting(key=SETTING, value=found))
            return found
        expected = row.value
    if found != expected:
        raise StartRefused(
            f"ONEC_STORAGE_DIR={storage_dir} — не та папка обмена с 1С, что у других процессов "
            f"этой базы (в ней нет файла {MARKER} с id {expected}): все процессы должны писать "
            f"в одну общую папку. ONEC_STORAGE_DIR={storage_dir} is not the folder the other "
            f"workers of this database share ({MARKER} with id {expected} is missing)"
        )
    return expected
