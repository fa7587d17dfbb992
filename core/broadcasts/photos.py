"""A photo uploaded for a broadcast: checked against what Telegram's sendPhoto accepts, kept
until the first message uploads it, then sent by the file_id Telegram returned.

sendPhoto takes a photo of at most 10 MB whose width and height add up to at most 10,000 and
whose sides differ by at most 20 times; JPEG and PNG are accepted here (what cameras and
editors save). The size is read from the file's header (PNG's IHDR, JPEG's start-of-frame), so
a file that only pretends to be an image is refused when it is saved, not when 10,000
messages fail.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput
from core.models import Broadcast, BroadcastPhoto

MAX_BYTES = 10 * 1024 * 1024
MAX_SIDES = 10_000  # width + height
MAX_RATIO = 20
MAX_NAME = 200
# A JPEG's frame header comes before its image data, after a few metadata blocks: it is looked
# for in the first megabyte only (a file of fill bytes would otherwise be walked byte by byte).
JPEG_SCAN = 1024 * 1024
_PNG = b"\x89PNG\r\n\x1a\n"
# JPEG start-of-frame markers (C0-CF except DHT C4, JPG C8 and DAC CC) carry the image size.
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


@dataclass(frozen=True)
class PhotoInfo:
    """What the header of an image file says."""

    content_type: str
    width: int
    height: int


def inspect_photo(data: bytes) -> PhotoInfo:
    """The type and size of a JPEG or PNG photo Telegram will take; InvalidInput otherwise
    (`broadcast.photo_empty`, `.photo_too_large`, `.photo_not_image`, `.photo_bad_size`)."""
    if not data:
        raise InvalidInput("broadcast.photo_empty")
    if len(data) > MAX_BYTES:
        raise InvalidInput("broadcast.photo_too_large", max_mb=MAX_BYTES // (1024 * 1024))
    info = _png(data) if data.startswith(_PNG) else _jpeg(data)
    if info is None or info.width <= 0 or info.height <= 0:
        raise InvalidInput("broadcast.photo_not_image")
    longer, shorter = max(info.width, info.height), min(info.width, info.height)
    if info.width + info.height > MAX_SIDES or longer > shorter * MAX_RATIO:
        raise InvalidInput("broadcast.photo_bad_size", width=info.width, height=info.height)
    return info


def _png(data: bytes) -> PhotoInfo | None:
    if len(data) < 24 or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return PhotoInfo("image/png", width, height)


def _jpeg(data: bytes) -> PhotoInfo | None:
    if not data.startswith(b"\xff\xd8"):
        return None
    at, end = 2, min(len(data), JPEG_SCAN)
    while at + 4 <= end:
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # markers without a length
            at += 2
            continue
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        if marker in _SOF:
            if at + 9 > end:
                return None
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return PhotoInfo("image/jpeg", width, height)
        if marker in (0xD9, 0xDA) or length < 2:  # end of image or scan data: no frame header
            return None
        at += 2 + length
    return None


async def attach(
    session: AsyncSession, broadcast: Broadcast, data: bytes, file_name: str
) -> PhotoInfo:
    """Make `data` the broadcast's photo (replacing any other, URL or upload)."""
    info = inspect_photo(data)
    photo = await session.get(BroadcastPhoto, broadcast.id)
    if photo is None:
        photo = BroadcastPhoto(broadcast_id=broadcast.id, version=0)
        session.add(photo)
    photo.version += 1  # a file_id Telegram gives an earlier version is not kept for this one
    photo.content = data
    photo.content_type = info.content_type
    photo.width, photo.height = info.width, info.height
    photo.telegram_file_id = None
    broadcast.photo = None
    broadcast.photo_file_name = _file_name(file_name, info)
    await session.flush()
    return info


async def detach(session: AsyncSession, broadcast: Broadcast) -> None:
    """The broadcast no longer has an uploaded photo."""
    photo = await session.get(BroadcastPhoto, broadcast.id)
    if photo is not None:
        await session.delete(photo)
    broadcast.photo_file_name = None
    await session.flush()


async def image(session: AsyncSession, broadcast_id: int) -> tuple[bytes, str] | None:
    """The uploaded photo's bytes and content type (for the admin's preview)."""
    row = (
        await session.execute(
            select(BroadcastPhoto.content, BroadcastPhoto.content_type).where(
                BroadcastPhoto.broadcast_id == broadcast_id
            )
        )
    ).first()
    return None if row is None else (row[0], row[1])


async def file_id_of(session: AsyncSession, broadcast_id: int) -> str | None:
    """The file_id Telegram gave the uploaded photo, once it has been sent."""
    return await session.scalar(
        select(BroadcastPhoto.telegram_file_id).where(BroadcastPhoto.broadcast_id == broadcast_id)
    )


@dataclass(frozen=True)
class PhotoToSend:
    """The uploaded photo as the sender needs it: its file_id once Telegram holds this version,
    else its bytes."""

    version: int
    file_id: str | None
    content: bytes | None
    file_name: str = "photo.jpg"


async def to_send(session: AsyncSession, broadcast_id: int) -> PhotoToSend | None:
    """The broadcast's uploaded photo (bytes only while there is no file_id), or None."""
    row = (
        await session.execute(
            select(BroadcastPhoto.version, BroadcastPhoto.telegram_file_id).where(
                BroadcastPhoto.broadcast_id == broadcast_id
            )
        )
    ).first()
    if row is None:
        return None
    version, file_id = row
    if file_id:
        return PhotoToSend(version, file_id, None)
    found = (
        await session.execute(
            select(BroadcastPhoto.content, BroadcastPhoto.content_type).where(
                BroadcastPhoto.broadcast_id == broadcast_id, BroadcastPhoto.version == version
            )
        )
    ).first()
    if found is None:
        return None
    extension = "png" if found[1] == "image/png" else "jpg"
    return PhotoToSend(version, None, found[0], f"photo.{extension}")


async def remember_file_id(
    session: AsyncSession, broadcast_id: int, version: int, file_id: str
) -> None:
    """Keep the file_id Telegram gave an upload of `version`, so later messages send it instead
    of the bytes (nothing is kept if the photo was replaced meanwhile)."""
    await session.execute(
        update(BroadcastPhoto)
        .where(
            BroadcastPhoto.broadcast_id == broadcast_id,
            BroadcastPhoto.version == version,
            BroadcastPhoto.telegram_file_id.is_(None),
        )
        .values(telegram_file_id=file_id[:200])
        .execution_options(synchronize_session=False)
    )


def _file_name(name: str, info: PhotoInfo) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not base:
        base = "photo.png" if info.content_type == "image/png" else "photo.jpg"
    return base[-MAX_NAME:]
