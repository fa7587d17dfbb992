"""Zip bombs made of many small members, the storage quota, and a session's files removed when
its import fails or the session is abandoned."""

from __future__ import annotations

import io
import os
import time
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.models import ExchangeSession, utcnow
from integrations.onec.http import ONEC_EXCHANGE
from integrations.onec.safety import ExchangeRefused, Limits, unpack_zip
from tests.onec.conftest import OneC, snapshot
from tests.onec.test_hostile_input import good

MIB = 1024 * 1024


def many_zeros(members: int = 300, size: int = MIB) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for i in range(members):
            zf.writestr(f"import_files/{i:03}.xml", b"\0" * size)
    return buffer.getvalue()


def test_many_small_members_are_refused_before_anything_is_unpacked(tmp_path: Path) -> None:
    """The probe of the issue: 300 members of 1 MiB zeros, each under the per-member check."""
    data = many_zeros()
    assert len(data) < 400 * 1024  # about 337 KB that would unpack to 300 MiB
    archive = tmp_path / "bomb.zip"
    archive.write_bytes(data)
    dest = tmp_path / "session"
    dest.mkdir()
    with pytest.raises(ExchangeRefused, match="zip-бомбу") as caught:
        unpack_zip(archive, dest, Limits())  # the production defaults
    assert "300 файлов" in str(caught.value)
    assert list(dest.rglob("*")) == []  # refused on the declared sizes: nothing was written


def test_a_member_lying_about_its_size_is_cut_off(tmp_path: Path) -> None:
    archive = tmp_path / "liar.zip"
    archive.write_bytes(many_zeros(1, 200 * 1024))
    raw = bytearray(archive.read_bytes())
    # declare 1 KiB instead of 200 KiB in both headers (the data stays the same)
    real = (200 * 1024).to_bytes(4, "little")
    assert raw.count(real) == 2
    raw = raw.replace(real, (1024).to_bytes(4, "little"))
    archive.write_bytes(bytes(raw))
    dest = tmp_path / "session"
    dest.mkdir()
    with pytest.raises(ExchangeRefused, match="больше заявленного|повреждён"):
        unpack_zip(archive, dest, Limits())
    assert [p for p in dest.rglob("*") if p.is_file()] == []


async def test_the_bomb_through_the_exchange_fails_the_session_and_leaves_no_files(
    onec: OneC, db: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    async with db() as session:
        before = await snapshot(session)
    await onec.checkauth()
    assert (await onec.upload("bomb.zip", many_zeros(12))).startswith("success")
    answer = await onec.import_("import.xml")
    assert answer.startswith("failure\n") and "zip-бомбу" in answer, answer
    assert not any((tmp_path / "1c").glob("session-*")), "the session's files stayed"
    # every later request of the failed session reads why, and nothing is imported
    again = await onec.import_("import.xml")
    assert again.startswith("failure\n") and "zip" in again
    async with db() as session:
        assert await snapshot(session) == before
        row = await session.scalar(select(ExchangeSession).order_by(ExchangeSession.id.desc()))
        assert row is not None and row.status == "failed" and "zip" in (row.error or "")


async def test_a_failed_import_removes_the_sessions_files(onec: OneC, tmp_path: Path) -> None:
    await onec.checkauth()
    assert (await onec.upload("import.xml", good()[:-200])).startswith("success")
    assert any((tmp_path / "1c").rglob("import.xml"))
    answer = await onec.import_("import.xml")
    assert answer.startswith("failure\n") and "ошибка XML" in answer
    assert not any((tmp_path / "1c").glob("session-*"))


async def test_the_storage_quota_refuses_an_upload_that_would_pass_it(
    onec: OneC, tmp_path: Path
) -> None:
    exchange = onec.client.app[ONEC_EXCHANGE]
    exchange.limits = Limits(chunk_bytes=MIB, max_file_bytes=8 * MIB, quota_bytes=2 * MIB + 1000)
    await onec.checkauth()
    assert (await onec.upload("a.xml", b"<a>" + b" " * (MIB // 2))).startswith("success")
    answer = await onec.upload("b.xml", b"<b>" + b" " * (2 * MIB), chunk=MIB // 2)
    assert answer.startswith("failure\n") and "квота" in answer
    assert not any((tmp_path / "1c").glob("session-*")), "the refused session kept its files"


async def test_an_abandoned_session_is_swept_at_the_next_checkauth(
    onec: OneC, db: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    await onec.checkauth()
    assert (await onec.upload("import.xml", good())).startswith("success")
    (folder,) = (tmp_path / "1c").glob("session-*")
    # 1C went away three hours ago and never came back
    old = time.time() - timedelta(hours=3).total_seconds()
    for path in [folder, *folder.rglob("*")]:
        os.utime(path, (old, old))
    abandoned = onec.cookie
    await onec.checkauth()
    assert not folder.exists()
    async with db() as session:
        row = await session.scalar(
            select(ExchangeSession).where(ExchangeSession.cookie == abandoned)
        )
        assert row is not None and row.status == "failed" and "брошена" in (row.error or "")


async def test_an_expired_session_is_swept_even_when_touched(
    onec: OneC, db: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    await onec.checkauth()
    assert (await onec.upload("import.xml", good())).startswith("success")
    (folder,) = (tmp_path / "1c").glob("session-*")
    async with db() as session, session.begin():
        await session.execute(
            update(ExchangeSession)
            .where(ExchangeSession.cookie == onec.cookie)
            .values(started_at=utcnow() - timedelta(hours=25))
        )
    await onec.checkauth()
    assert not folder.exists()
