"""The 1C "Обмен с сайтом" protocol's state: sessions, uploaded files, background imports.

Each session is a row of `exchange_sessions` (the admin's exchange log): its cookie, the files
uploaded with their size and import state, the counts and errors; every worker reads it, so 1C's
requests may land on any of them. Files go to ONEC_STORAGE_DIR, which all workers share
(integrations.onec.storage checks it at start). An import runs as an asyncio task of the worker
that claimed it in the database (`worker`, refreshed `beat`); 1C polls `mode=import` on any
worker and reads `progress` until the file's state says done (`success`) or failed (`failure`).
An import whose worker stopped beating (a restart, a kill) is started again by the next poll
(its transaction was rolled back, so nothing was half-applied).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.calendar import calendar_from_settings
from core.models import ExchangeSession, utcnow
from core.orders.onec_sync import mark_exported, orders_pending_export
from core.settings import Settings
from integrations.onec.importer import SeenIds, deactivate_unseen, import_file
from integrations.onec.orders import build_orders_document
from integrations.onec.safety import (
    ExchangeRefused,
    Limits,
    storage_used,
    target_path,
    unpack_zip,
)
from integrations.onec.sorting import import_order
from integrations.onec.sweep import SESSION_TTL, sweep_abandoned

log = logging.getLogger(__name__)
COOKIE = "dealerbot_1c"
IMPORT_BEAT = 5.0  # seconds between an import's heartbeats in the database
IMPORT_STALE = 30.0  # a claimed import without a heartbeat this long is started again
TYPES = {"catalog", "sale"}


@dataclass
class Answer:
    """A protocol answer: text lines, or a document (bytes) for `mode=query`."""

    body: str | bytes
    cookie: str | None = None

    @property
    def first_line(self) -> str:
        """`success`, `progress` or `failure` (or the XML declaration of a document)."""
        text = self.body if isinstance(self.body, str) else self.body[:40].decode(errors="ignore")
        return text.split("\n", 1)[0]


def success(*lines: str) -> Answer:
    """A `success` answer."""
    return Answer("\n".join(("success", *lines)))


def failure(reason: str) -> Answer:
    """A `failure` answer with the reason on the second line."""
    return Answer(f"failure\n{reason}")


def check_credentials(settings: Settings, login: str, password: str) -> bool:
    """Constant-time check of 1C's login and password against the settings."""
    good_login = hmac.compare_digest(login.encode(), settings.onec_username.encode())
    expected = settings.onec_password.get_secret_value().encode()
    return good_login & hmac.compare_digest(password.encode(), expected)


@dataclass
class Exchange:
    """The exchange endpoint's logic, independent of the web framework."""

    settings: Settings
    sessionmaker: async_sessionmaker[AsyncSession]
    storage_dir: Path
    limits: Limits = field(default_factory=Limits)
    tasks: dict[tuple[int, str], asyncio.Task[None]] = field(default_factory=dict)
    seen: dict[int, SeenIds] = field(default_factory=dict)
    worker: str = field(default_factory=lambda: secrets.token_hex(8))  # this instance's name

    # -- sessions ---------------------------------------------------------------------------

    async def checkauth(self, kind: str, remote: str | None) -> Answer:
        """Open a session; 1C sends the cookie back on every later request."""
        if kind not in TYPES:
            return failure(f"неизвестный тип обмена {kind!r}")
        await self.sweep()
        token = secrets.token_urlsafe(24)
        async with self.sessionmaker() as session, session.begin():
            row = ExchangeSession(
                exchange_type=kind, cookie=token, status="open", remote_addr=remote
            )
            session.add(row)
            await session.flush()
        # a fresh folder: nothing left from an older session can be appended to
        shutil.rmtree(self.folder(row.id), ignore_errors=True)
        self.seen_path(row.id).unlink(missing_ok=True)
        answer = success(COOKIE, token, f"sessid={token}", f"timestamp={int(utcnow().timestamp())}")
        answer.cookie = token
        return answer

    async def find(self, session: AsyncSession, token: str | None) -> ExchangeSession | None:
        """The open session for `token`, or None."""
        if not token:
            return None
        row = await session.scalar(select(ExchangeSession).where(ExchangeSession.cookie == token))
        if row is None or row.status in {"done", "closed"}:
            return None
        if utcnow() - row.started_at > SESSION_TTL:
            return None
        return row

    def folder(self, session_id: int) -> Path:
        """Where the files of a session are kept."""
        return self.storage_dir / f"session-{session_id}"

    def seen_path(self, session_id: int) -> Path:
        """Where the ids a session has named are kept (beside its folder: no upload's name)."""
        return self.storage_dir / f"session-{session_id}.seen"

    def seen_ids(self, session_id: int, *, fresh: bool = False) -> SeenIds:
        """The ids the session has named so far, read back from disk after a restart
        (`fresh`: read again, for what imports on other workers added)."""
        seen = self.seen.get(session_id)
        if fresh and seen is not None:
            seen.close()
            seen = None
        if seen is None:
            seen = self.seen[session_id] = SeenIds(self.seen_path(session_id))
        return seen

    async def dispatch(
        self,
        kind: str,
        mode: str,
        token: str | None,
        params: dict[str, str],
        body: AsyncIterator[bytes] | None,
    ) -> Answer:
        """Answer one request of an authenticated client."""
        if kind not in TYPES:
            return failure(f"неизвестный тип обмена {kind!r}")
        async with self.sessionmaker() as session:
            row = await self.find(session, token)
            if row is None:
                return failure("нет сессии обмена: сначала выполните mode=checkauth (cookie)")
            if row.status == "failed":  # every later request reads why
                return failure(row.error or "сессия обмена прервана ошибкой")
            session_id = row.id
        filename = params.get("filename", "")
        try:
            if mode == "init":
                return self.init(kind)
            if mode == "file":
                return await self.upload(session_id, filename, body)
            if mode == "import":
                return await self.import_(session_id, filename)
            if mode == "deactivate":
                return await self.deactivate(session_id)
            if mode == "complete":
                return await self.finish(session_id, "done")
            if kind == "sale" and mode == "query":
                return await self.query(session_id)
            if kind == "sale" and mode == "success":
                return await self.sale_success(session_id)
        except ExchangeRefused as exc:
            await self.fail(session_id, str(exc))
            return failure(str(exc))
        return failure(f"неизвестный режим {mode!r} для type={kind}")

    def init(self, kind: str) -> Answer:
        """Tell 1C whether to zip and how to split files."""
        zip_ = "yes" if kind == "catalog" else "no"
        return Answer(f"zip={zip_}\nfile_limit={self.limits.chunk_bytes}")

    async def _update(self, session_id: int, change: Any) -> None:
        async with self.sessionmaker() as session, session.begin():
            row = await session.scalar(
                select(ExchangeSession).where(ExchangeSession.id == session_id).with_for_update()
            )
            assert row is not None
            files, counts = dict(row.files), dict(row.counts)
            change(row, files, counts)
            row.files, row.counts = files, counts

    async def note_error(self, session_id: int, message: str) -> None:
        """Add an error to the session's log."""

        def change(row: ExchangeSession, files: dict[str, Any], counts: dict[str, Any]) -> None:
            row.error = f"{row.error}\n{message}" if row.error else message

        await self._update(session_id, change)

    def remove_files(self, session_id: int) -> None:
        """Remove everything a session stored (its folder and its list of named ids)."""
        seen = self.seen.pop(session_id, None)
        if seen is not None:
            seen.close()
        self.seen_path(session_id).unlink(missing_ok=True)
        shutil.rmtree(self.folder(session_id), ignore_errors=True)

    async def fail(self, session_id: int, message: str) -> None:
        """The session failed: its error is logged, its files removed, later requests refused."""

        def change(row: ExchangeSession, files: dict[str, Any], counts: dict[str, Any]) -> None:
            row.error = f"{row.error}\n{message}" if row.error else message
            row.status = "failed"
            row.finished_at = utcnow()

        await self._update(session_id, change)
        self.remove_files(session_id)
        log.warning("1c session=%s failed, files removed: %s", session_id, message)

    async def sweep(self) -> int:
        """Remove the files of abandoned sessions (integrations.onec.sweep)."""
        return await sweep_abandoned(self)

    async def finish(self, session_id: int, status: str) -> Answer:
        """Close the session (`mode=complete`)."""

        def change(row: ExchangeSession, files: dict[str, Any], counts: dict[str, Any]) -> None:
            row.status = status
            row.finished_at = utcnow()

        await self._update(session_id, change)
        self.remove_files(session_id)
        return success()

    # -- files ------------------------------------------------------------------------------

    async def upload(
        self, session_id: int, filename: str, body: AsyncIterator[bytes] | None
    ) -> Answer:
        """Stream a file (or the next chunk of it) to disk, appending to what came before."""
        if not filename:
            return failure("не указано имя файла (filename)")
        folder = self.folder(session_id)
        path = target_path(folder, filename)
        path.parent.mkdir(parents=True, exist_ok=True)
        size = path.stat().st_size if path.exists() else 0
        received = 0
        room = self.limits.quota_bytes - await asyncio.to_thread(storage_used, self.storage_dir)
        with path.open("ab") as out:
            if body is not None:
                async for chunk in body:
                    received += len(chunk)
                    size += len(chunk)
                    if (
                        received > self.limits.chunk_bytes + 1024
                        or size > self.limits.max_file_bytes
                    ):
                        out.close()
                        path.unlink(missing_ok=True)
                        raise ExchangeRefused(
                            f"{filename}: файл больше допустимого ({self.limits.max_file_bytes} "
                            f"байт, часть до {self.limits.chunk_bytes} байт)"
                        )
                    if received > room:
                        out.close()
                        path.unlink(missing_ok=True)
                        raise ExchangeRefused(
                            f"{filename}: хранилище обмена заполнено (квота "
                            f"{self.limits.quota_bytes} байт, ONEC_STORAGE_QUOTA_BYTES)"
                        )
                    out.write(chunk)
        key = str(path.relative_to(folder.resolve()))

        def change(row: ExchangeSession, files: dict[str, Any], counts: dict[str, Any]) -> None:
            files[key] = {"size": size, "state": "uploaded"}

        await self._update(session_id, change)
        return success()

    async def _unpack(self, session_id: int) -> None:
        folder = self.folder(session_id)
        async with self.sessionmaker() as session:
            row = await session.get(ExchangeSession, session_id)
            assert row is not None
            pending = [
                name
                for name, info in row.files.items()
                if name.lower().endswith(".zip") and info.get("state") == "uploaded"
            ]
        for name in pending:
            archive = target_path(folder, name)
            try:
                paths = await asyncio.to_thread(
                    unpack_zip, archive, folder, self.limits, self.storage_dir
                )
            except ExchangeRefused as exc:
                reason = str(exc)

                def failed(
                    row: ExchangeSession,
                    files: dict[str, Any],
                    c: dict[str, Any],
                    name: str = name,
                    reason: str = reason,
                ) -> None:
                    files[name] = {**files[name], "state": "failed", "error": reason}

                await self._update(session_id, failed)
                raise
            members = [str(p.relative_to(folder.resolve())) for p in paths]

            def unpacked(
                row: ExchangeSession,
                files: dict[str, Any],
                c: dict[str, Any],
                name: str = name,
                members: list[str] = members,
                paths: list[Path] = paths,
            ) -> None:
                files[name] = {**files[name], "state": "unpacked", "members": members}
                for member, p in zip(members, paths, strict=True):
                    files[member] = {"size": p.stat().st_size, "state": "uploaded", "from": name}

            await self._update(session_id, unpacked)

    async def import_(self, session_id: int, filename: str) -> Answer:
        """Start (or report on) the import of `filename`: `progress` until done."""
        if not filename:
            return failure("не указано имя файла (filename)")
        await self._unpack(session_id)
        folder = self.folder(session_id)
        key = str(target_path(folder, filename).relative_to(folder.resolve()))
        async with self.sessionmaker() as session:
            row = await session.get(ExchangeSession, session_id)
            assert row is not None
            files = dict(row.files)
        info = files.get(key)
        if info is None:
            return failure(f"{filename}: файл не был загружен (mode=file)")
        job = info.get("job", info.get("state"))
        if job == "done":
            counts = info.get("counts") or {}
            return success(f"{filename}: {_summary(counts)}")
        if job == "failed":
            return failure(info.get("error") or f"{filename}: ошибка импорта")
        task = self.tasks.get((session_id, key))
        if job == "importing" and (
            (task is not None and not task.done()) or self._running_elsewhere(info)
        ):
            return Answer(f"progress\n{filename}: идёт загрузка")
        if key.lower().endswith(".zip"):
            members = info.get("members") or []
            targets = import_order([(m, folder / m) for m in members if m.lower().endswith(".xml")])
        else:
            targets = [(key, folder / key)]

        claimed = False

        def started(row: ExchangeSession, files: dict[str, Any], c: dict[str, Any]) -> None:
            nonlocal claimed
            now = files[key]
            if now.get("job") in {"done", "failed"} or self._running_elsewhere(now):
                return  # another worker took it (or finished it) since the read above
            files[key] = {**now, "job": "importing", "worker": self.worker, "beat": _now()}
            row.status = "importing"
            claimed = True

        await self._update(session_id, started)
        if not claimed:
            return Answer(f"progress\n{filename}: идёт загрузка")
        seen = SeenIds(self.seen_path(session_id))  # read now: other workers may have added
        self.tasks[(session_id, key)] = asyncio.create_task(
            self._run(session_id, key, targets, seen), name=f"1c-import-{session_id}-{key}"
        )
        return Answer(f"progress\n{filename}: загрузка начата")

    def _running_elsewhere(self, info: dict[str, Any]) -> bool:
        """The file's import is claimed by another worker whose heartbeat is fresh."""
        worker, beat = info.get("worker"), info.get("beat")
        if info.get("job") != "importing" or worker in (None, self.worker) or beat is None:
            return False
        return _now() - float(beat) < IMPORT_STALE

    async def _beat(self, session_id: int, key: str) -> None:
        """Tell the other workers this import is alive (every IMPORT_BEAT seconds)."""

        def change(row: ExchangeSession, files: dict[str, Any], c: dict[str, Any]) -> None:
            if files.get(key, {}).get("worker") == self.worker:
                files[key] = {**files[key], "beat": _now()}

        while True:
            await asyncio.sleep(IMPORT_BEAT)
            try:
                await self._update(session_id, change)
            except Exception:  # a missed beat is retried at the next one
                log.warning("1c import heartbeat failed session=%s", session_id)

    async def _run(
        self, session_id: int, key: str, targets: list[tuple[str, Path]], seen: SeenIds
    ) -> None:
        counts: dict[str, Any] = {}
        error: str | None = None
        beat = asyncio.create_task(self._beat(session_id, key))
        try:
            for name, path in targets:
                counts[name] = await import_file(
                    self.sessionmaker,
                    path,
                    limits=self.limits,
                    zone=self.settings.zone,
                    seen=seen,
                    hours=calendar_from_settings(self.settings),
                )
        except ExchangeRefused as exc:
            error = str(exc)
        except Exception as exc:  # the reason goes to 1C and to the log, never a stack to 1C
            log.exception("1c import failed session=%s file=%s", session_id, key)
            error = f"{key}: внутренняя ошибка импорта ({type(exc).__name__})"
        finally:
            beat.cancel()
            seen.close()
        result = counts.get(key, counts)

        def done(row: ExchangeSession, files: dict[str, Any], all_counts: dict[str, Any]) -> None:
            if error is None:
                files[key] = {**files[key], "job": "done", "counts": result}
                all_counts.update(counts)
            else:
                files[key] = {**files[key], "job": "failed", "error": error}
                row.error = f"{row.error}\n{error}" if row.error else error
            row.status = "open" if error is None else "failed"
            if error is not None:
                row.finished_at = utcnow()

        await self._update(session_id, done)
        self.tasks.pop((session_id, key), None)
        if error is not None:
            self.remove_files(session_id)

    async def deactivate(self, session_id: int) -> Answer:
        """`mode=deactivate`: what this session's full upload did not name becomes inactive."""
        seen = self.seen_ids(session_id, fresh=True)
        if not any(seen.counts.values()):
            return success("нечего деактивировать: сессия не загружала товаров")
        counts = await deactivate_unseen(self.sessionmaker, seen)

        def change(row: ExchangeSession, files: dict[str, Any], all_counts: dict[str, Any]) -> None:
            all_counts["deactivate"] = counts

        await self._update(session_id, change)
        return success(_summary(counts))

    async def wait(self) -> None:
        """Wait for the running imports (used at shutdown)."""
        tasks = list(self.tasks.values())
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    # -- orders -----------------------------------------------------------------------------

    async def query(self, session_id: int) -> Answer:
        """The orders 1C has not acknowledged yet, as a CommerceML document."""
        async with self.sessionmaker() as session:
            orders = await orders_pending_export(session)
            document = build_orders_document(orders, now=utcnow(), zone=self.settings.zone)
        offered = [item.order.id for item in orders]
        # Each order as offered: one changed before 1C's `success` is offered again.
        versions = {str(item.order.id): item.order.updated_at.isoformat() for item in orders}

        def change(row: ExchangeSession, files: dict[str, Any], counts: dict[str, Any]) -> None:
            counts["offered"] = offered
            counts["offered_versions"] = versions
            counts["orders"] = [item.order.number for item in orders]

        await self._update(session_id, change)
        return Answer(document)

    async def sale_success(self, session_id: int) -> Answer:
        """1C received the last `query`: its orders are not offered again."""
        async with self.sessionmaker() as session, session.begin():
            row = await session.get(ExchangeSession, session_id)
            assert row is not None
            versions = row.counts.get("offered_versions")
            marked = await mark_exported(
                session,
                row.counts.get("offered", []),
                versions=None
                if versions is None
                else {int(k): datetime.fromisoformat(v) for k, v in versions.items()},
            )
            row.counts = {**row.counts, "exported": row.counts.get("exported", 0) + marked}
            row.finished_at = utcnow()
        return success()


def _now() -> float:
    return utcnow().timestamp()


def _summary(counts: dict[str, Any]) -> str:
    parts = [f"{k}={v}" for k, v in counts.items() if isinstance(v, int | float)]
    return ", ".join(parts) or "ok"
