"""A DOCTYPE hidden by the document's encoding (UTF-16, UTF-32, with or without a byte order
mark), and the encodings that could hide one: each is refused before the parser reads it, and
the catalog stays as it was. The same documents without the DTD are imported."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from integrations.onec.safety import ExchangeRefused, Limits, check_prolog
from tests.onec.conftest import OneC, snapshot
from tests.onec.test_hostile_input import GOOD

DTD = '<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
BOMS = {
    "utf-16-le": codecs.BOM_UTF16_LE,
    "utf-16-be": codecs.BOM_UTF16_BE,
    "utf-32-le": codecs.BOM_UTF32_LE,
    "utf-32-be": codecs.BOM_UTF32_BE,
}


def document(
    codec: str, declared: str | None, *, bom: bool, dtd: bool, name: str = "&xxe;"
) -> bytes:
    text = GOOD.format(name=name if dtd else "Фильтр из UTF-16")
    body = text.split("\n", 1)[1]
    prolog = f'<?xml version="1.0" encoding="{declared}"?>\n' if declared else ""
    data = (prolog + (DTD if dtd else "") + body).encode(codec)
    return (BOMS.get(codec, b"") if bom else b"") + data


CASES = [
    (codec, declared, bom)
    for codec in BOMS
    for declared, bom in (
        (codec.upper().replace("-LE", "LE").replace("-BE", "BE"), True),
        (codec.upper().replace("-LE", "LE").replace("-BE", "BE"), False),
        (None, True),
        (None, False),
        (codec.split("-")[0].upper() + "-" + codec.split("-")[1], True),
    )
]


@pytest.mark.parametrize(
    ("codec", "declared", "bom"), CASES, ids=[f"{c}-{d}-bom{b}" for c, d, b in CASES]
)
async def test_a_doctype_in_a_wide_encoding_is_refused(
    onec: OneC, db: async_sessionmaker[AsyncSession], codec: str, declared: str | None, bom: bool
) -> None:
    async with db() as session:
        before = await snapshot(session)
    await onec.checkauth()
    data = document(codec, declared, bom=bom, dtd=True)
    assert b"<!DOCTYPE" not in data  # the byte-level check of old saw nothing
    assert (await onec.upload("import.xml", data)).startswith("success")
    answer = await onec.import_("import.xml")
    assert answer.startswith("failure\n") and "DOCTYPE" in answer, answer
    async with db() as session:
        assert await snapshot(session) == before


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le"])
async def test_the_same_document_without_a_dtd_is_imported(
    onec: OneC, db: async_sessionmaker[AsyncSession], codec: str
) -> None:
    answers = await onec.exchange(
        [
            (
                "import.xml",
                document(codec, "UTF-16" if "16" in codec else "UTF-32", bom=True, dtd=False),
            )
        ]
    )
    assert answers[0].startswith("success"), answers
    async with db() as session:
        assert (await snapshot(session))["products"]["p1"][0] == "Фильтр из UTF-16"


def test_cp1251_declared_document_is_read_in_cp1251(tmp_path: Path) -> None:
    path = tmp_path / "import.xml"
    path.write_bytes(
        ('<?xml version="1.0" encoding="windows-1251"?>\n' + DTD + "<Корень/>").encode("cp1251")
    )
    with pytest.raises(ExchangeRefused, match="DOCTYPE"):
        check_prolog(path, Limits())
    path.write_bytes('<?xml version="1.0" encoding="windows-1251"?>\n<Корень/>'.encode("cp1251"))
    check_prolog(path, Limits())  # no error


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        # UTF-7 spells "<!DOCTYPE" as "+ADw-!DOCTYPE": not a byte of it is a `<`
        (b'<?xml version="1.0" encoding="UTF-7"?>\n+ADw-!DOCTYPE r +AFs-+AF0-+AD4-\n<a/>', "UTF-7"),
        (b'<?xml version="1.0" encoding="IBM037"?>\n<a/>', "ibm037"),
        (
            codecs.BOM_UTF16_LE
            + '<?xml version="1.0" encoding="UTF-8"?>\n<a/>'.encode("utf-16-le"),
            "UTF-16",
        ),
        (codecs.BOM_UTF8 + b'<?xml version="1.0" encoding="UTF-16"?>\n<a/>', "UTF-16"),
        ('<?xml version="1.0" encoding="UTF-32"?>\n<a/>'.encode("utf-16-le"), "utf-32"),
    ],
    ids=[
        "utf-7",
        "ebcdic",
        "bom-utf16-declared-utf8",
        "bom-utf8-declared-utf16",
        "utf16-declared-utf32",
    ],
)
def test_an_encoding_that_could_hide_markup_is_refused(
    tmp_path: Path, data: bytes, reason: str
) -> None:
    path = tmp_path / "import.xml"
    path.write_bytes(data)
    with pytest.raises(ExchangeRefused) as caught:
        check_prolog(path, Limits())
    assert reason.lower() in str(caught.value).lower()
