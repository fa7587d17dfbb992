"""core/ stays free of the adapters and of Telegram, HTTP and XML libraries."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "core"
FORBIDDEN = ("bot", "admin", "integrations", "dealerbot", "aiogram", "aiohttp", "lxml", "xml")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_core_imports_no_adapter_or_protocol_library() -> None:
    offenders = {
        f"{path.relative_to(CORE.parent)}: {name}"
        for path in CORE.rglob("*.py")
        for name in imported_modules(path)
        if name.split(".")[0] in FORBIDDEN
    }
    assert offenders == set()


def test_the_check_sees_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from bot.handlers import x\nimport aiohttp.web\n", encoding="utf-8")
    assert {"bot.handlers", "aiohttp.web"} <= imported_modules(bad)


TELEGRAM = CORE.parent / "integrations" / "telegram"


def test_telegram_delivery_imports_nothing_from_the_bot() -> None:
    """Messages are built in bot/ (bot.outbound); integrations/telegram only delivers them."""
    offenders = {
        f"{path.relative_to(CORE.parent)}: {name}"
        for path in TELEGRAM.rglob("*.py")
        for name in imported_modules(path)
        if name.split(".")[0] in ("bot", "admin", "dealerbot")
    }
    assert TELEGRAM.joinpath("sender.py").exists()
    assert offenders == set()
