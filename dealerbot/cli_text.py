"""What the command line says when a command fails: one sentence, never a raw key or traceback.

`describe_error` is the one place that turns an exception a command may expect (a rule of the
business broken, a database that is down or not migrated, a file that is missing, a port in
use) into Russian words; every subcommand goes through it (see `dealerbot.cli.main`). Anything
it does not know is a bug and keeps its traceback.

A domain error's text comes, in this order, from the CLI's own texts (they name the object, e.g.
"Дилер 999 не найден."), the admin's texts (admin/messages.py), the bot's Russian texts
(`error.<key>` in bot/locales/ru), and last a generic sentence.
"""

from __future__ import annotations

import errno
from typing import Any

from admin.messages import TEXTS as ADMIN_TEXTS
from bot.i18n import read_catalog
from core.errors import DomainError

# Texts that say more than the admin's because the command line has no page around them.
CLI_TEXTS: dict[str, str] = {
    "dealer.not_found": "Дилер {dealer_id} не найден.",
    "staff.not_found": "Логин «{login}» не найден.",
    "staff.password_blank": "Пароль не может быть пустым.",
    "staff.password_mismatch": "Пароли не совпадают.",
    "staff.password_too_short": "Пароль короче {minimum} символов.",
    "invitation.bad_uses": "Число использований должно быть от 1 до {limit} (указано {max_uses}).",
    "invitation.bad_days": "Срок действия должен быть от 1 до {limit} дней (указано {days}).",
    "dealer.unknown_price_type": "Тип цен «{name}» не найден. Есть: {known}.",
    "nps.bad_survey": "Название опроса «{survey}» — от 1 до 20 символов, например 2026-11.",
    "wave.not_found": "Волна {wave_id} не найдена.",
    "demo.bad_items": "Число товаров демо-каталога должно быть больше нуля (указано {items}).",
    "cli.import_failed": "файл {path} не загружен: {reason}",
    "cli.file_not_found": "Файл {path} не найден.",
    "cli.file_unreadable": "Файл {path} не читается: {reason}.",
    "cli.port_in_use": "Адрес {address} уже занят: запущен другой экземпляр? Укажите HTTP_PORT.",
    "cli.database_unavailable": (
        "База данных недоступна ({reason}). Проверьте DATABASE_URL и что сервер базы запущен."
    ),
    "cli.schema_missing": "В базе нет нужных таблиц: выполните `dealerbot db upgrade`.",
    "cli.migration": "Миграция не выполнена: {reason}.",
    "cli.generic": "Команда не выполнена: {reason}.",
    "cli.broadcast_not_found": "Рассылка {broadcast_id} не найдена.",
    "cli.broadcast_bad_time": (
        "Время «{value}» не распознано: укажите его как 2026-12-05T10:00 "
        "(в часовом поясе TIMEZONE) или 2026-12-05T10:00+03:00."
    ),
    "cli.broadcast_bad_audience": (
        "Аудитория «{spec}» не распознана: укажите all, pilot, wave:ID или tag:NAME."
    ),
    "cli.broadcast_no_pilot": "Пилотной волны нет: сначала создайте волну в админке.",
    "cli.broadcast_unknown_tag": "Тег «{tag}» не найден ни у одного дилера.",
    "broadcast.text_required": "Текст рассылки пустой: укажите его в --text.",
    # what a command says when it did its work
    "done.db_at": "База данных на ревизии {revision}.",
    "done.demo_admin": "Вход в админку: {url}, логин admin, пароль {password} (показан один раз).",
    "done.search_corrected": "Показаны результаты для «{query}».",
    "done.search_line": "{article:<20} {name:<50} {price:>14}  остаток {stock}",
    "done.search_empty": "Ничего не найдено.",
    "done.staff_created": "Логин {login} ({role}) создан, id {id}.",
    "done.import_file": "{name}: {counts}",
    "done.nps_queued": "Вопрос NPS {survey}: в очереди {queued}.",
    "done.dealer_paused": "Дилер {id} ({name}) приостановлен.",
    "done.dealer_resumed": "Дилер {id} ({name}) снова работает.",
    "done.user_revoked": "Доступ пользователя {id} ({name}) закрыт.",
    "done.user_restored": "Доступ пользователя {id} ({name}) восстановлен.",
    "done.user_group": "Пользователь {id}: группа менеджеров {group}.",
    "done.broadcast_queued": "Рассылка {id} запущена: в очереди {queued} из {total}.",
    "done.broadcast_scheduled": "Рассылка {id} запланирована на {at}.",
    "done.broadcast_head": "Рассылка {id} «{title}»: {state}.",
    "done.broadcast_start": "Старт: {at} ({zone}).",
    "done.broadcast_total": "Получателей: {total}.",
    "done.broadcast_count": "{label}: {n}",
}


def _fill(template: str, params: dict[str, Any]) -> str:
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template


def _joined(value: Any) -> Any:
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(str(item) for item in value) or "—"
    return value


def domain_sentence(error: DomainError) -> str:
    """The Russian sentence of a domain error (its key never shows)."""
    params = {name: _joined(value) for name, value in error.params.items()}
    for template in (
        CLI_TEXTS.get(error.key),
        ADMIN_TEXTS.get(error.key),
        read_catalog("ru").get(f"error.{error.key}"),
    ):
        if template:
            return _fill(template, params)
    return read_catalog("ru").get("error.generic", CLI_TEXTS["cli.generic"].format(reason="—"))


def cli_sentence(key: str, **params: Any) -> str:
    """A text of the command line itself (file missing, database down, ...)."""
    return _fill(CLI_TEXTS[key], params)


def describe_error(error: BaseException) -> str | None:
    """The sentence for an error a command may expect, or None for a bug (keep its traceback)."""
    if isinstance(error, DomainError):
        return domain_sentence(error)
    from core.locks import StartRefused

    if isinstance(error, StartRefused):
        return str(error)
    from alembic.util.exc import CommandError
    from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError

    if isinstance(error, CommandError):
        return cli_sentence("cli.migration", reason=str(error).rstrip("."))
    if isinstance(error, OperationalError | ProgrammingError):
        reason = str(error.orig) if error.orig is not None else str(error)
        if "no such table" in reason or "does not exist" in reason:
            return cli_sentence("cli.schema_missing")
        if isinstance(error, OperationalError):
            return cli_sentence("cli.database_unavailable", reason=_first_line(reason))
        return None
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return cli_sentence("cli.database_unavailable", reason=_first_line(str(error.orig)))
    if isinstance(error, FileNotFoundError):
        return cli_sentence("cli.file_not_found", path=error.filename or "")
    if isinstance(error, OSError) and error.errno == errno.EADDRINUSE:
        return cli_sentence("cli.port_in_use", address=error.strerror or "")
    if isinstance(error, ConnectionError | TimeoutError) or (
        isinstance(error, OSError) and error.errno in (errno.ECONNREFUSED, errno.EHOSTUNREACH)
    ):
        return cli_sentence("cli.database_unavailable", reason=_first_line(str(error)))
    if isinstance(error, PermissionError | IsADirectoryError):
        return cli_sentence("cli.file_unreadable", path=error.filename or "", reason="нет доступа")
    return None


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "нет ответа"
