"""Safe handling of what 1C uploads: file names, sizes, archives, and XML prologs."""

from __future__ import annotations

import re
import shutil
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from integrations.onec.xml_encoding import EncodingRefused, decode_head


class ExchangeRefused(Exception):
    """Input the exchange refuses; the message is what the 1C administrator reads."""


@dataclass(frozen=True)
class Limits:
    """Limits on what one exchange session may upload and unpack (README: Security)."""

    chunk_bytes: int = 16 * 1024 * 1024  # the `file_limit` 1C is told to split files at
    max_file_bytes: int = 2 * 1024 * 1024 * 1024  # one uploaded file, all chunks together
    max_unpacked_bytes: int = 1024 * 1024 * 1024  # everything unpacked from one archive
    max_archive_files: int = 2_000
    max_ratio: int = 100  # unpacked/packed size, of the whole archive and of each member
    ratio_floor: int = 1024 * 1024  # sizes below this are not judged by their ratio
    prolog_bytes: int = 64 * 1024  # the root element must start within this many bytes
    quota_bytes: int = 8 * 1024 * 1024 * 1024  # everything kept under ONEC_STORAGE_DIR


_DRIVE = re.compile(r"^[A-Za-z]:")


def safe_relative_name(name: str) -> PurePosixPath:
    """A file name 1C sent, as a relative path; absolute names and `..` are refused."""
    cleaned = name.replace("\\", "/").strip()
    path = PurePosixPath(cleaned)
    if (
        not cleaned
        or "\x00" in cleaned
        or path.is_absolute()
        or _DRIVE.match(cleaned)
        or any(part in {"..", ""} for part in cleaned.split("/"))
    ):
        raise ExchangeRefused(f"недопустимое имя файла: {name!r}")
    return path


def target_path(root: Path, name: str) -> Path:
    """Where file `name` of a session lives under `root` (never outside it)."""
    path = (root / safe_relative_name(name)).resolve()
    if not path.is_relative_to(root.resolve()):
        raise ExchangeRefused(f"недопустимое имя файла: {name!r}")
    return path


def unpack_zip(
    archive: Path, dest: Path, limits: Limits, quota_root: Path | None = None
) -> list[Path]:
    """Unpack `archive` into `dest` after checking names, count, sizes and ratios (of each
    member and of the whole archive), and the storage quota of `quota_root` when given.

    The declared sizes are checked first, then the real bytes are counted while writing, so a
    member that lies about its size is caught too. On refusal nothing unpacked is left behind.
    """
    written: list[Path] = []
    try:
        with zipfile.ZipFile(archive) as zf:
            members = [m for m in zf.infolist() if not m.is_dir()]
            if len(members) > limits.max_archive_files:
                raise ExchangeRefused(
                    f"архив {archive.name}: {len(members)} файлов, допускается "
                    f"{limits.max_archive_files}"
                )
            declared = 0
            for member in members:
                safe_relative_name(member.filename)
                if stat.S_ISLNK(member.external_attr >> 16):
                    raise ExchangeRefused(f"архив {archive.name}: ссылка {member.filename!r}")
                declared += member.file_size
                ratio = member.file_size / max(member.compress_size, 1)
                if member.file_size > limits.ratio_floor and ratio > limits.max_ratio:
                    raise ExchangeRefused(
                        f"архив {archive.name}: {member.filename} сжат в {ratio:.0f} раз — "
                        "похоже на zip-бомбу"
                    )
            if declared > limits.max_unpacked_bytes:
                raise ExchangeRefused(
                    f"архив {archive.name}: распакованный размер {declared} байт больше "
                    f"допустимого {limits.max_unpacked_bytes}"
                )
            # many small members each under the floor: the whole archive's ratio decides
            packed = max(archive.stat().st_size, 1)
            if declared > limits.ratio_floor and declared / packed > limits.max_ratio:
                raise ExchangeRefused(
                    f"архив {archive.name}: {len(members)} файлов, {declared} байт из {packed} — "
                    f"сжатие в {declared / packed:.0f} раз, похоже на zip-бомбу"
                )
            if quota_root is not None:
                check_quota(quota_root, declared, limits)
            total = 0
            for member in members:
                path = target_path(dest, member.filename)
                path.parent.mkdir(parents=True, exist_ok=True)
                written.append(path)
                budget = member.file_size
                with zf.open(member) as src, path.open("wb") as out:
                    while chunk := src.read(1024 * 1024):
                        total += len(chunk)
                        budget -= len(chunk)
                        if budget < 0 or total > limits.max_unpacked_bytes:
                            raise ExchangeRefused(
                                f"архив {archive.name}: {member.filename} больше заявленного"
                            )
                        out.write(chunk)
    except zipfile.BadZipFile as exc:
        _remove(written)
        raise ExchangeRefused(f"архив {archive.name} повреждён: {exc}") from None
    except BaseException:
        _remove(written)
        raise
    return written


def storage_used(root: Path) -> int:
    """Bytes of the files kept under `root` (the exchange's storage directory)."""
    total = 0
    for path in root.rglob("*"):
        try:
            if path.is_file() and not path.is_symlink():
                total += path.stat().st_size
        except OSError:
            continue  # removed meanwhile
    return total


def check_quota(root: Path, incoming: int, limits: Limits) -> None:
    """Refuse `incoming` more bytes when the storage under `root` would pass its quota."""
    used = storage_used(root)
    if used + incoming > limits.quota_bytes:
        raise ExchangeRefused(
            f"хранилище обмена заполнено: занято {used} байт, нужно ещё {incoming}, "
            f"квота {limits.quota_bytes} (ONEC_STORAGE_QUOTA_BYTES)"
        )


def _remove(paths: list[Path]) -> None:
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def check_prolog(path: Path, limits: Limits) -> None:
    """Refuse a DTD (external entities, entity expansion) before the parser sees the file.

    The head is read in the document's real encoding (integrations.onec.xml_encoding: byte
    order mark, zero-byte pattern, declaration), so a DOCTYPE in UTF-16 or UTF-32 is seen as
    well as one in UTF-8 or cp1251; the parser's own settings (no DTD, no entities, no
    network) stay the second wall.
    """
    with path.open("rb") as fh:
        raw = fh.read(limits.prolog_bytes)
    try:
        head = decode_head(raw)
    except EncodingRefused as exc:
        raise ExchangeRefused(f"{path.name}: {exc}") from None
    upper = head.upper()
    if "<!DOCTYPE" in upper or "<!ENTITY" in upper:
        raise ExchangeRefused(f"{path.name}: DTD и сущности (DOCTYPE/ENTITY) не допускаются")
    if not head.strip().strip("\x00"):
        raise ExchangeRefused(f"{path.name}: файл пуст")
    # The root element must start within the head: a DTD hidden after a long prolog is refused.
    position = 0
    while True:
        position = head.find("<", position)
        if position < 0 or position + 1 >= len(head):
            raise ExchangeRefused(f"{path.name}: не найден корневой элемент XML")
        if head[position + 1] not in "?!":
            return
        position += 1
