"""What the admin may type about a dealer: INN checksums, KPP, phones, tags, thresholds."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.dealers.validation import (
    check_inn_checksum,
    check_kpp,
    normalize_phone,
    parse_tags,
    parse_threshold,
)
from core.errors import InvalidInput


@pytest.mark.parametrize("inn", ["7707083893", "500100732259", " 7707 083893 "])
def test_valid_inns(inn: str) -> None:
    assert check_inn_checksum(inn) == "".join(inn.split())


@pytest.mark.parametrize(
    ("inn", "key"),
    [
        ("7707083890", "dealer.bad_inn_checksum"),  # 10 digits, wrong check digit
        ("500100732250", "dealer.bad_inn_checksum"),  # 12 digits, wrong last check digit
        ("77070838", "dealer.bad_inn"),
        ("77070838931", "dealer.bad_inn"),
        ("77O7083893", "dealer.bad_inn"),
        ("", "dealer.bad_inn"),
    ],
)
def test_invalid_inns(inn: str, key: str) -> None:
    with pytest.raises(InvalidInput) as error:
        check_inn_checksum(inn)
    assert error.value.key == key


def test_kpp() -> None:
    assert check_kpp("770701001") == "770701001"
    assert check_kpp("7707ab001") == "7707AB001"  # the reason code may be letters
    assert check_kpp("") is None
    for bad in ("77070100", "7707010011", "77070100X", "ABCD01001"):
        with pytest.raises(InvalidInput):
            check_kpp(bad)


@pytest.mark.parametrize(
    "typed", ["8 (912) 345-67-89", "+7 912 345 67 89", "9123456789", "+79123456789"]
)
def test_phones_are_normalised(typed: str) -> None:
    assert normalize_phone(typed) == "+79123456789"


@pytest.mark.parametrize("typed", ["12345", "+1 202 555 0101", "телефон", "8 912 345"])
def test_bad_phones(typed: str) -> None:
    with pytest.raises(InvalidInput) as error:
        normalize_phone(typed)
    assert error.value.key == "person.bad_phone"


def test_tags_and_thresholds() -> None:
    assert parse_tags("опт, юг\nкрупный;опт") == {"опт": True, "юг": True, "крупный": True}
    assert parse_tags("") == {}
    with pytest.raises(InvalidInput):
        parse_tags("два слова")
    assert parse_threshold("150 000") == Decimal("150000.00")
    assert parse_threshold("150000,5") == Decimal("150000.50")
    assert parse_threshold("") is None
    for bad in ("-1", "abc", "1.005", "NaN", "1e20"):
        with pytest.raises(InvalidInput):
            parse_threshold(bad)
