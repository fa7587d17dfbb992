"""`dealerbot catalog crosses import FILE`: the per-line report in Russian, all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from dealerbot.cli import main
from tests.test_cli import cli_env  # noqa: F401 - the fixture


def test_crosses_import_reports_bad_lines_then_imports_the_fixed_file(
    cli_env: str,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["db", "upgrade"]) == 0
    capsys.readouterr()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(
        "article;brand;cross_article;cross_brand\nOC 90;Кнехт;1109AH;\n;;X1;\n".encode("cp1251")
    )
    assert main(["catalog", "crosses", "import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "строка 3: не указан артикул" in err
    assert "Ничего не загружено: строк с ошибками — 1 из 2" in err

    good = tmp_path / "good.csv"
    good.write_bytes(
        "article;brand;cross_article;cross_brand\nOC 90;Кнехт;1109AH;\n".encode("cp1251")
    )
    assert main(["catalog", "crosses", "import", str(good)]) == 0
    assert "Загружено пар: 1; новых номеров: 2" in capsys.readouterr().out

    assert main(["catalog", "crosses", "import", str(tmp_path / "missing.csv")]) == 1
    assert "Не удалось прочитать файл" in capsys.readouterr().err
