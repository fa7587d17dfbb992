"""Receipts: Telegram's answer to a request, written to a local journal before the database.

A sender killed after Telegram answered and before its row said `sent` left the row's outcome
unknown. With the receipt (delivery id, message id, time) appended to a journal file first, a
restarted sender reads it and settles the row as `sent` (Sender.recover). One append-only
file per process and day under SENDER_RECEIPTS_DIR; a write is one `os.write` on an O_APPEND
descriptor, so it survives the process being killed (not a power cut: no fsync per message).
Several workers need the folder shared, as ONEC_STORAGE_DIR is. Files older than KEEP_DAYS
are removed once a recovery has read them.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

log = logging.getLogger("integrations.telegram.receipts")
KEEP_DAYS = 2


class Receipts:
    """The journal of one sender process."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._fd: int | None = None
        self._day = ""

    def _open(self, now: datetime) -> int:
        day = now.strftime("%Y%m%d")
        if self._fd is None or day != self._day:
            if self._fd is not None:
                os.close(self._fd)
            self.folder.mkdir(parents=True, exist_ok=True)
            name = f"receipts-{day}-{socket.gethostname()}-{os.getpid()}.log"
            self._fd = os.open(self.folder / name, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            self._day = day
        return self._fd

    def write(self, delivery_id: int, chat_id: int, message_id: int | None, now: datetime) -> None:
        """Note that Telegram accepted delivery `delivery_id` (before the database hears it)."""
        mid = message_id if message_id is not None else "-"
        line = f"{delivery_id} {chat_id} {mid} {now.isoformat()}\n"
        try:
            os.write(self._open(now), line.encode())
        except OSError as error:  # a full disk must not stop delivery: the row is still written
            log.warning("receipt not written delivery=%s: %s", delivery_id, error)

    def read(self, ids: set[int]) -> dict[int, tuple[int, int | None, datetime]]:
        """The receipts (chat id, message id, time) of `ids` in any journal of the folder."""
        found: dict[int, tuple[int, int | None, datetime]] = {}
        if not ids or not self.folder.is_dir():
            return found
        for path in sorted(self.folder.glob("receipts-*.log")):
            try:
                lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                continue
            for line in lines:
                parts = line.split()
                if len(parts) != 4 or not parts[0].isdigit() or int(parts[0]) not in ids:
                    continue
                try:
                    chat_id, at = int(parts[1]), datetime.fromisoformat(parts[3])
                except ValueError:
                    continue  # a line cut by the kill
                message_id = int(parts[2]) if parts[2].isdigit() else None
                found[int(parts[0])] = (chat_id, message_id, at)
        return found

    def prune(self, now: datetime) -> None:
        """Remove journals older than KEEP_DAYS (their rows were settled long ago)."""
        oldest = (now.astimezone(UTC) - timedelta(days=KEEP_DAYS)).strftime("%Y%m%d")
        for path in self.folder.glob("receipts-*.log"):
            day = path.name.split("-")[1]
            if day.isdigit() and day < oldest:
                path.unlink(missing_ok=True)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
