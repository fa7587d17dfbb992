"""The forms items are searched in."""

from core.catalog.normalize import normalize_article, normalize_text, search_text


def test_text_is_lower_case_with_single_spaces_whatever_the_whitespace() -> None:
    assert normalize_text("  Колодки\tТормозные\u00a0ЁЖ\n\r\u2003передние  ") == (
        "колодки тормозные еж передние"
    )
    assert normalize_text(" \t\n") == ""


def test_article_keeps_letters_and_digits_in_latin_upper_case() -> None:
    assert normalize_article("ос-12.3 a") == normalize_article("OC123A") == "OC123A"


def test_search_text_holds_article_forms_name_and_barcode() -> None:
    assert (
        search_text("ОС 12-3", "Фильтр  Масляный", " 4600 ") == "oc123 ос 12-3 фильтр масляный 4600"
    )
    assert search_text("", "Болт", None) == "болт"
