"""A photo uploaded for a broadcast: what is accepted, how a draft's photo changes, and that
the sender uploads it once and sends Telegram's file_id after that."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import SendPhoto
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.broadcasts import photos, service
from core.broadcasts.content import Content
from core.errors import InvalidInput, InvalidTransition
from core.models import Broadcast, BroadcastPhoto, Delivery, utcnow
from tests.broadcasts.conftest import Telegram
from tests.broadcasts.data import crowd, jpeg_header, png


def test_jpeg_and_png_are_read_from_their_headers() -> None:
    assert photos.inspect_photo(png(640, 480)) == photos.PhotoInfo("image/png", 640, 480)
    assert photos.inspect_photo(jpeg_header(4000, 3000)) == photos.PhotoInfo(
        "image/jpeg", 4000, 3000
    )


@pytest.mark.parametrize(
    ("data", "key"),
    [
        (b"", "broadcast.photo_empty"),
        (b"%PDF-1.7 not a photo", "broadcast.photo_not_image"),
        (b"PK\x03\x04 a spreadsheet", "broadcast.photo_not_image"),
        (b"GIF89a\x01\x00\x01\x00", "broadcast.photo_not_image"),
        (b"\xff\xd8\xff\xda scan data with no frame header", "broadcast.photo_not_image"),
        (b"\xff\xd8\xff\xe0\x00", "broadcast.photo_not_image"),  # cut short
        (png(0, 10), "broadcast.photo_not_image"),
        (png(9000, 1001), "broadcast.photo_bad_size"),  # sides add up to more than 10,000
        (png(2100, 100), "broadcast.photo_bad_size"),  # 21 times as wide as high
        (png(1, 1) + b"\x00" * (photos.MAX_BYTES + 1), "broadcast.photo_too_large"),
        (b"\xff\xd8" + b"\xff" * (3 * 1024 * 1024), "broadcast.photo_not_image"),  # fill bytes
    ],
)
def test_what_telegram_would_refuse_is_refused(data: bytes, key: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        photos.inspect_photo(data)
    assert caught.value.key == key


async def _draft(session: AsyncSession, **kw: object) -> Broadcast:
    content = kw.pop("content", Content("<b>Весна</b>: скидки"))
    return await service.save_draft(
        session,
        kw.pop("item", None),  # type: ignore[arg-type]
        title="Весна",
        content=content,  # type: ignore[arg-type]
        audience={"kind": "all"},
        staff_id=None,
        **kw,  # type: ignore[arg-type]
    )


async def test_a_draft_takes_an_upload_and_a_link_or_removal_replaces_it(
    db: async_sessionmaker[AsyncSession],
) -> None:
    async with db() as s:
        item = await _draft(s, upload=(png(800, 600), "C:\\Фото\\весна.png"))
        await s.commit()
        broadcast_id = item.id
        assert (item.photo, item.photo_file_name) == (None, "весна.png")
        assert await photos.image(s, broadcast_id) == (png(800, 600), "image/png")

        # An upload and a link at once: refused, nothing changes.
        with pytest.raises(InvalidInput) as caught:
            await _draft(
                s,
                item=item,
                content=Content("Другой текст", photo="https://example.com/a.jpg"),
                upload=(png(10, 10), "b.png"),
            )
        assert caught.value.key == "broadcast.two_photos"
        await s.rollback()
        item = await service.get(s, broadcast_id)
        assert (item.text, item.photo_file_name) == ("<b>Весна</b>: скидки", "весна.png")

        # A broken file on the draft: refused, the photo it had stays.
        with pytest.raises(InvalidInput):
            await _draft(s, item=item, upload=(b"not a photo", "x.png"))
        await s.rollback()
        assert await photos.image(s, broadcast_id) == (png(800, 600), "image/png")
        item = await service.get(s, broadcast_id)

        # With a photo the text is a caption: 1,024 characters at most.
        with pytest.raises(InvalidInput) as caught:
            await _draft(s, item=item, content=Content("я" * 1500))
        assert caught.value.key == "broadcast.too_long"
        await s.rollback()

        # A link replaces the upload.
        item = await service.get(s, broadcast_id)
        await _draft(s, item=item, content=Content("Текст", photo="https://example.com/a.jpg"))
        await s.commit()
        assert (item.photo, item.photo_file_name) == ("https://example.com/a.jpg", None)
        assert await s.scalar(select(func.count()).select_from(BroadcastPhoto)) == 0

        # Upload again, then remove it: a text-only broadcast.
        await _draft(s, item=item, content=Content("Текст"), upload=(jpeg_header(1280, 960), ""))
        await s.commit()
        assert item.photo_file_name == "photo.jpg"
        await _draft(s, item=item, content=Content("Текст"), remove_upload=True)
        await s.commit()
        assert item.photo_file_name is None and await photos.image(s, broadcast_id) is None


async def test_the_sender_uploads_the_photo_once_then_sends_its_file_id(
    db: async_sessionmaker[AsyncSession], telegram: Telegram
) -> None:
    people = await crowd(db, 12)
    first, second = png(64, 48, (10, 120, 200)), png(48, 64, (250, 200, 0))
    async with db() as s:
        item = await _draft(s, upload=(first, "spring.png"))
        await service.test_send(s, item, 777)
        await s.commit()
        broadcast_id = item.id
    await telegram.drain()
    [test] = telegram.fake.calls_of("sendPhoto")
    assert [bytes(f) for f in test.files.values()] == [first]  # uploaded, as multipart
    assert test.params["caption"] == "<b>Весна</b>: скидки"
    async with db() as s:
        uploaded = await photos.file_id_of(s, broadcast_id)
    assert uploaded is not None and uploaded in telegram.fake.files

    # Another photo on the draft: the next test uploads it, not the file_id of the first.
    async with db() as s:
        item = await service.get(s, broadcast_id)
        await _draft(s, item=item, upload=(second, "summer.png"))
        await service.test_send(s, item, 777)
        await s.commit()
    await telegram.drain()
    retest = telegram.fake.calls_of("sendPhoto")[-1]
    assert [bytes(f) for f in retest.files.values()] == [second]
    async with db() as s:
        current = await photos.file_id_of(s, broadcast_id)
    assert current is not None and current != uploaded

    # The broadcast itself: twelve messages, no upload, every one with that file_id.
    async with db() as s:
        item = await service.get(s, broadcast_id)
        await service.schedule(s, item, utcnow())
        await s.commit()
    await telegram.drain()
    sent = telegram.fake.calls_of("sendPhoto")[2:]
    assert sorted(c.chat_id for c in sent) == sorted(people)
    assert all(not c.files and c.params["photo"] == current for c in sent)


async def test_messages_rendered_before_the_first_upload_returns_do_not_upload_again(
    db: async_sessionmaker[AsyncSession], telegram: Telegram
) -> None:
    people = await crowd(db, 20)
    async with db() as s:
        item = await _draft(s, upload=(png(64, 48), "spring.png"))
        await service.schedule(s, item, utcnow())
        await s.commit()
    await telegram.drain()  # eight chats at a time, all rendered with the bytes at first
    calls = telegram.fake.calls_of("sendPhoto")
    assert sorted(c.chat_id for c in calls) == sorted(people)
    uploads = [c for c in calls if c.files]
    assert len(uploads) == 1
    file_id = telegram.fake.delivered()[0].result["photo"][-1]["file_id"]
    assert all(c.params["photo"] == file_id for c in calls if not c.files)


async def test_a_photo_replaced_during_its_first_upload_keeps_no_wrong_file_id(
    db: async_sessionmaker[AsyncSession], telegram: Telegram
) -> None:
    old, new = png(64, 48, (10, 120, 200)), png(48, 64, (250, 200, 0))
    async with db() as s:
        item = await _draft(s, upload=(old, "old.png"))
        await service.test_send(s, item, 777)
        await s.commit()
        broadcast_id = item.id

    async def replace_first_upload(make_request: Any, bot: Bot, method: Any) -> Any:
        if isinstance(method, SendPhoto) and not isinstance(method.photo, str):
            async with db() as s:  # the admin saves another photo while this one goes up
                await _draft(s, item=await service.get(s, broadcast_id), upload=(new, "new.png"))
                await s.commit()
            telegram.bot.session.middleware.unregister(replace_first_upload)
        return await make_request(bot, method)

    telegram.bot.session.middleware(replace_first_upload)
    await telegram.drain()
    [first] = telegram.fake.calls_of("sendPhoto")
    assert list(first.files.values()) == [old]
    async with db() as s:
        assert await photos.file_id_of(s, broadcast_id) is None  # not the old photo's id
        await service.test_send(s, await service.get(s, broadcast_id), 777)
        await s.commit()
    await telegram.drain()
    second = telegram.fake.calls_of("sendPhoto")[-1]
    assert list(second.files.values()) == [new]
    async with db() as s:
        assert await photos.file_id_of(s, broadcast_id) == second.result["photo"][-1]["file_id"]


async def test_a_photo_telegram_refuses_is_uploaded_once_not_for_every_recipient(
    db: async_sessionmaker[AsyncSession], telegram: Telegram
) -> None:
    await crowd(db, 6)
    uploads: list[int] = []

    async def refuse_uploads(make_request: Any, bot: Bot, method: Any) -> Any:
        if isinstance(method, SendPhoto) and not isinstance(method.photo, str):
            uploads.append(method.chat_id)  # type: ignore[arg-type]
            raise TelegramBadRequest(method, "Bad Request: IMAGE_PROCESS_FAILED")
        return await make_request(bot, method)

    telegram.bot.session.middleware(refuse_uploads)
    async with db() as s:
        item = await _draft(s, upload=(png(64, 48), "broken.png"))
        await service.schedule(s, item, utcnow())
        await s.commit()
        broadcast_id = item.id
    await telegram.drain()
    assert len(uploads) == 1
    async with db() as s:
        rows = list(await s.scalars(select(Delivery).where(Delivery.broadcast_id == broadcast_id)))
    assert len(rows) == 6
    assert all(r.state == "failed" and "IMAGE_PROCESS_FAILED" in (r.error or "") for r in rows)


async def test_a_broadcast_that_started_since_it_was_loaded_cannot_be_edited(
    db: async_sessionmaker[AsyncSession],
) -> None:
    async with db() as s:
        item = await _draft(s)
        await s.commit()
        broadcast_id = item.id
    async with db() as admin, db() as sender:
        loaded = await service.get(admin, broadcast_id)  # the admin's page, before the start
        await admin.commit()
        started = await service.get(sender, broadcast_id)
        started.state = "sending"
        await sender.commit()
        with pytest.raises(InvalidTransition):
            await _draft(admin, item=loaded, content=Content("Поздняя правка"))
        await admin.rollback()
    async with db() as s:
        assert (await service.get(s, broadcast_id)).text == "<b>Весна</b>: скидки"
