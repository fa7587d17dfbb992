"""The real encoding of an XML document, decided the way an XML parser does (XML 1.0, appendix F).

The byte order mark wins; without one, the pattern of zero bytes around the first `<` tells
UTF-16 and UTF-32 from the ASCII-compatible encodings, whose declaration (`encoding="..."`)
then names the one in use. Only the encodings 1C writes are accepted: a document in any other
(UTF-7, EBCDIC, ...) could hide markup from a byte-level check, so it is refused, and so is a
declaration that contradicts the byte order mark.
"""

from __future__ import annotations

import codecs
import re

# byte order marks, longest first (UTF-32 LE starts like UTF-16 LE)
_BOMS = (
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
)
# the declared names accepted, by the codec family they belong to
ALLOWED = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "us-ascii": "utf-8",
    "ascii": "utf-8",
    "windows-1251": "cp1251",
    "cp1251": "cp1251",
    "utf-16": "utf-16",
    "utf-16le": "utf-16",
    "utf-16be": "utf-16",
    "utf-32": "utf-32",
    "utf-32le": "utf-32",
    "utf-32be": "utf-32",
}
# the names libxml2 knows the decided codecs by
LXML_NAMES = {
    "utf-8": "UTF-8",
    "cp1251": "windows-1251",
    "utf-16-le": "UTF-16LE",
    "utf-16-be": "UTF-16BE",
    "utf-32-le": "UTF-32LE",
    "utf-32-be": "UTF-32BE",
}
_DECLARED = re.compile(r"""^\s*<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")


class EncodingRefused(ValueError):
    """The document's encoding is unknown, not allowed, or contradicts itself."""


def _family(codec: str) -> str:
    return (
        "utf-16"
        if codec.startswith("utf-16")
        else "utf-32"
        if codec.startswith("utf-32")
        else codec
    )


def _by_zero_bytes(head: bytes) -> str | None:
    """UTF-16/UTF-32 without a byte order mark, told by where the zero bytes of `<` stand."""
    first = head[:4]
    if len(first) < 4:
        return None
    zero = [b == 0 for b in first]
    if zero == [True, True, True, False]:
        return "utf-32-be"
    if zero == [False, True, True, True]:
        return "utf-32-le"
    if zero[0] and not zero[1]:
        return "utf-16-be"
    if not zero[0] and zero[1]:
        return "utf-16-le"
    return None


def detect(head: bytes) -> tuple[str, int]:
    """The Python codec of the document whose first bytes are `head`, and its BOM's length.

    Raises EncodingRefused for an encoding not in ALLOWED or a declaration that contradicts the
    byte order mark or the zero-byte pattern.
    """
    codec: str | None = None
    bom = 0
    for mark, name in _BOMS:
        if head.startswith(mark):
            codec, bom = name, len(mark)
            break
    if codec is None:
        codec = _by_zero_bytes(head)
    text = head[bom:].decode(codec or "latin-1", errors="replace")
    match = _DECLARED.match(text)
    declared = match.group(1).lower() if match else None
    if declared is not None and declared not in ALLOWED:
        raise EncodingRefused(f"кодировка {declared!r} не поддерживается")
    if codec is None:  # ASCII-compatible: the declaration decides (UTF-8 without one)
        codec = ALLOWED[declared] if declared else "utf-8"
        if _family(codec) in {"utf-16", "utf-32"}:
            raise EncodingRefused(f"объявлена кодировка {declared}, но файл в однобайтовой")
        return codec, bom
    if declared is not None and _family(ALLOWED[declared]) != _family(codec):
        raise EncodingRefused(
            f"объявлена кодировка {declared}, а файл в {codec.upper()} (по BOM или байтам)"
        )
    return codec, bom


def decode_head(head: bytes) -> str:
    """The first bytes of a document as text in its real encoding (a cut character replaced)."""
    codec, bom = detect(head)
    return head[bom:].decode(codec, errors="replace")
