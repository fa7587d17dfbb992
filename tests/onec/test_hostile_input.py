"""Hostile input: each is refused with a clear `failure` line and the catalog stays as it was."""

# ruff: noqa: E501  (XML samples read best on one line)
from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.onec.conftest import OneC, basic, snapshot

GOOD = """<?xml version="1.0" encoding="UTF-8"?>
<КоммерческаяИнформация xmlns="urn:1C.ru:commerceml_2" ВерсияСхемы="2.10" ДатаФормирования="2026-11-23T10:00:00">
 <Классификатор><Ид>c</Ид><Наименование>К</Наименование>
  <Группы><Группа><Ид>g1 </Ид><Наименование>Фильтры</Наименование></Группа></Группы></Классификатор>
 <Каталог СодержитТолькоИзменения="false"><Ид>c</Ид><ИдКлассификатора>c</ИдКлассификатора>
  <Наименование>К</Наименование><Товары>
   <Товар><Ид>p1  </Ид><Артикул>OC 90</Артикул><Наименование>{name}</Наименование>
    <БазоваяЕдиница Код="796 ">шт</БазоваяЕдиница><Группы><Ид>g1</Ид></Группы></Товар>
  </Товары></Каталог>
</КоммерческаяИнформация>"""


def good(name: str = "Фильтр масляный") -> bytes:
    return GOOD.format(name=name).encode()


@pytest.fixture
async def loaded(onec: OneC, db: async_sessionmaker[AsyncSession]) -> dict[str, object]:
    answers = await onec.exchange([("import.xml", good())])
    assert answers[0].startswith("success"), answers
    async with db() as session:
        state = await snapshot(session)
    assert list(state["products"]) == ["p1"] and state["products"]["p1"][5] == "796"
    return state


async def refused(onec: OneC, name: str, data: bytes) -> str:
    await onec.checkauth()
    answer = await onec.upload(name, data)
    if answer.startswith("success"):
        answer = await onec.import_(name)
    return answer


XXE = good("&xxe;").replace(
    b'<?xml version="1.0" encoding="UTF-8"?>',
    b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
)
LAUGHS = good("&lol9;").replace(
    b'<?xml version="1.0" encoding="UTF-8"?>',
    b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE r [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
        for i in range(1, 10)
    )
    + b"]>",
)


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("import.xml", XXE, "DOCTYPE"),
        ("import.xml", LAUGHS, "DOCTYPE"),
        ("import.xml", good("Новое имя")[:-200], "ошибка XML"),
        ("bomb.zip", _zip({"import.xml": b" " * (40 * 1024 * 1024)}), "zip"),
        ("evil.zip", _zip({"../../evil.xml": good("Зло")}), "недопустимое имя"),
        ("abs.zip", _zip({"/tmp/evil.xml": good("Зло")}), "недопустимое имя"),
        ("../outside.xml", good("Зло"), "недопустимое имя"),
        ("big.xml", b"<a>" + b"x" * (9 * 1024 * 1024), "больше допустимого"),
    ],
    ids=[
        "xxe",
        "billion-laughs",
        "truncated",
        "zip-bomb",
        "zip-dotdot",
        "zip-absolute",
        "dotdot-name",
        "too-large",
    ],
)
async def test_hostile_file_is_refused_and_catalog_unchanged(
    onec: OneC,
    db: async_sessionmaker[AsyncSession],
    loaded: dict[str, object],
    name: str,
    data: bytes,
    reason: str,
) -> None:
    answer = await refused(onec, name, data)
    assert answer.split("\n")[0] == "failure", answer
    assert reason in answer
    async with db() as session:
        assert await snapshot(session) == loaded


async def test_wrong_credentials_are_refused(onec: OneC, loaded: dict[str, object]) -> None:
    resp = await onec.client.get(
        "/1c/exchange",
        params={"type": "catalog", "mode": "checkauth"},
        headers=basic(password="wrong"),
    )
    text = await resp.text()
    assert text.startswith("failure\n") and "пароль" in text
    resp = await onec.client.get(
        "/bitrix/admin/1c_exchange.php", params={"type": "catalog", "mode": "checkauth"}
    )
    assert (await resp.text()).startswith("failure\n")


async def test_missing_cookie_is_refused(
    onec: OneC, db: async_sessionmaker[AsyncSession], loaded: dict[str, object]
) -> None:
    onec.cookie = None
    onec.client.session.cookie_jar.clear()
    status, body = await onec.call("catalog", "file", filename="import.xml", data=good("Чужое"))
    assert status == 200 and body.decode().startswith("failure\n")
    assert "checkauth" in body.decode()
    status, body = await onec.call("catalog", "import", filename="import.xml")
    assert body.decode().startswith("failure\n")
    async with db() as session:
        assert await snapshot(session) == loaded


async def test_bitrix_path_and_sessid_work_like_the_cookie(onec: OneC) -> None:
    resp = await onec.client.post(
        "/bitrix/admin/1c_exchange.php",
        params={"type": "catalog", "mode": "checkauth"},
        headers=basic(),
    )
    lines = (await resp.text()).split("\n")
    assert lines[0] == "success" and lines[3] == f"sessid={lines[2]}"
    assert lines[4].startswith("timestamp=")
    resp = await onec.client.get(
        "/bitrix/admin/1c_exchange.php",
        params={"type": "catalog", "mode": "init", "sessid": lines[2]},
    )
    assert (await resp.text()).startswith("zip=yes")
