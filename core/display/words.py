"""Words for people: plurals by Babel's CLDR rules and the Russian labels of every stored
status and enum value (a screen never shows `active`, `None` or `True`)."""

from __future__ import annotations

from collections.abc import Mapping

from babel import Locale

from core.display.numbers import DASH, Number, number

# A noun phrase in each CLDR plural category the language has.
PHRASES: dict[str, dict[str, Mapping[str, str]]] = {
    "ru": {
        "new_claim": {
            "one": "новая рекламация",
            "few": "новые рекламации",
            "many": "новых рекламаций",
            "other": "новой рекламации",
        },
        "new_order": {
            "one": "новый заказ",
            "few": "новых заказа",
            "many": "новых заказов",
            "other": "нового заказа",
        },
        "dealer": {"one": "дилер", "few": "дилера", "many": "дилеров", "other": "дилера"},
        "order": {"one": "заказ", "few": "заказа", "many": "заказов", "other": "заказа"},
        "application": {
            "one": "заявка на подключение",
            "few": "заявки на подключение",
            "many": "заявок на подключение",
            "other": "заявки на подключение",
        },
        "recipient": {
            "one": "получатель",
            "few": "получателя",
            "many": "получателей",
            "other": "получателя",
        },
        "day": {"one": "день", "few": "дня", "many": "дней", "other": "дня"},
        "row": {"one": "строка", "few": "строки", "many": "строк", "other": "строки"},
    },
    "en": {
        "new_claim": {"one": "new claim", "other": "new claims"},
        "new_order": {"one": "new order", "other": "new orders"},
        "dealer": {"one": "dealer", "other": "dealers"},
        "order": {"one": "order", "other": "orders"},
        "application": {"one": "application", "other": "applications"},
        "recipient": {"one": "recipient", "other": "recipients"},
        "day": {"one": "day", "other": "days"},
        "row": {"one": "row", "other": "rows"},
    },
}


def plural_form(count: Number, locale: str = "ru") -> str:
    """The CLDR plural category of a count: one, few, many or other."""
    return str(Locale.parse(locale).plural_form(count))


def plural(count: Number, forms: str | Mapping[str, str], locale: str = "ru") -> str:
    """A count with its noun phrase: `1 новая рекламация`, `5 новых рекламаций`, `21 дилер`.

    `forms` is a key of PHRASES or a mapping of plural categories to phrases."""
    words = PHRASES[locale][forms] if isinstance(forms, str) else forms
    word = words.get(plural_form(count, locale), words["other"])
    return f"{number(count, locale)} {word}"


def words(count: Number, forms: str | Mapping[str, str], locale: str = "ru") -> str:
    """Only the noun phrase that goes with a count (the count is shown elsewhere)."""
    phrases = PHRASES[locale][forms] if isinstance(forms, str) else forms
    return phrases.get(plural_form(count, locale), phrases["other"])


LABELS: dict[str, dict[str, str]] = {
    "order_status": {
        "new": "новый",
        "awaiting_approval": "на согласовании",
        "confirmed": "подтверждён",
        "rejected": "отклонён",
        "in_progress": "в работе",
        "shipped": "отгружен",
        "completed": "выполнен",
        "cancelled": "отменён",
    },
    "order_source": {"bot": "бот", "1c": "1С"},
    "sync_state": {
        "pending": "ждёт выгрузки",
        "exported": "выгружен",
        "acknowledged": "принят 1С",
        "n/a": "не выгружается",
        "awaiting_approval": "ждёт согласования дилера",
    },
    "claim_status": {
        "new": "новая",
        "in_review": "на рассмотрении",
        "accepted": "принята",
        "rejected": "отклонена",
        "resolved": "решена",
    },
    "claim_reason": {
        "wrong_item": "пересорт",
        "defect": "брак",
        "shortage": "недостача",
        "damage": "повреждение",
        "other": "другое",
    },
    "dealer_status": {
        "prospect": "кандидат",
        "invited": "приглашён",
        "active": "активен",
        "paused": "приостановлен",
    },
    "dealer_role": {
        "buyer": "покупатель",
        "approver": "согласующий",
        "admin": "администратор дилера",
    },
    "role": {"dealer": "дилер", "manager": "менеджер", "admin": "администратор"},
    "broadcast_state": {
        "draft": "черновик",
        "scheduled": "запланирована",
        "sending": "отправляется",
        "done": "завершена",
        "cancelled": "отменена",
    },
    "delivery_reason": {  # why a row was not sent, set by us (not by Telegram)
        "access.dealer_paused": "дилер приостановлен",
        "access.person_revoked": "доступ сотрудника закрыт",
        "cancelled": "рассылка отменена",
        "nothing to send": "нечего отправлять",
    },
    "delivery_state": {
        "held": "ожидает",
        "queued": "в очереди",
        "sending": "отправляется",
        "sent": "доставлено",
        "failed": "ошибка",
        "blocked": "заблокировал бота",
        "unknown": "неизвестно (сбой во время отправки)",
        "skipped": "отменено",
    },
    "application_status": {
        "new": "новая",
        "approved": "одобрена",
        "rejected": "отклонена",
    },
    "finance_kind": {
        "invoice": "счёт на оплату",
        "shipment": "отгрузка (УПД)",
        "payment": "оплата",
        "return": "возврат",
        "reconciliation": "акт сверки",
    },
    "credit_policy": {
        "warn": "предупреждать",
        "hold": "отправлять на согласование",
        "block": "не принимать заказ",
    },
    "order_money": {
        "paid": "оплачен",
        "partly_paid": "оплачен частично",
        "shipped": "отгружен",
        "partly_shipped": "отгружен частично",
    },
    # the 1C exchange log (admin/exchange_view.py)
    "exchange_type": {
        "catalog": "каталог, цены, остатки",
        "sale": "заказы",
        "offline": "загрузка файлов",
        "finance": "взаиморасчёты (долг, лимиты, документы)",
    },
    "exchange_status": {
        "open": "идёт",
        "importing": "загрузка",
        "success": "завершён",
        "done": "завершён",
        "failed": "с ошибкой",
        "error": "с ошибкой",
        "refused": "вход отклонён",
    },
    "exchange_file_state": {
        "uploaded": "получен",
        "importing": "загружается",
        "done": "загружен",
        "failed": "ошибка",
        "unpacked": "распакован",
    },
    "exchange_count": {
        "groups": "групп",
        "products": "товаров",
        "variants": "вариантов",
        "offers": "предложений",
        "prices": "цен",
        "stock": "остатков",
        "properties": "свойств",
        "price_types": "типов цен",
        "warehouses": "складов",
        "changed": "изменено",
        "unknown": "не найдено в каталоге",
        "orders": "заказов",
        "offered": "передано заказов",
        "exported": "подтверждено 1С заказов",
        "deactivated_products": "снято с продажи товаров",
        "deactivated_variants": "снято с продажи вариантов",
        "deactivate": "снято с продажи",
        "deactivated": "снято с продажи",
        "seconds": "загрузка, с",
        "package": "пакет",
        # finance pushes (integrations.onec.finance)
        "counterparties": "контрагентов",
        "contracts": "договоров",
        "contracts_closed": "договоров не передано (скрыты)",
        "documents_new": "новых документов",
        "documents_updated": "обновлено документов",
        "files": "файлов PDF",
        "shipment_notices": "уведомлений об отгрузке",
        "unknown_inn": "неизвестных ИНН",
        "price_types_unknown": "неизвестных типов цен",
    },
    "demo_count": {  # `dealerbot demo`'s summary
        "groups": "групп",
        "products": "товаров",
        "price_types": "типов цен",
        "prices": "цен",
        "warehouses": "складов",
        "stock": "остатков",
        "waves": "волн",
        "dealers": "дилеров",
        "legal_entities": "юрлиц",
        "addresses": "адресов",
        "managers": "менеджеров",
        "users": "сотрудников дилеров",
        "calendar_days": "дней календаря",
        "orders": "заказов",
        "order_lines": "строк заказов",
        "after_hours_orders": "заказов вне рабочего времени",
        "reorders": "повторных заказов",
        "status_events": "смен статуса",
        "claims": "рекламаций",
        "claim_lines": "строк рекламаций",
        "satisfaction": "оценок",
        "prospects": "потенциальных дилеров",
        "invitations": "приглашений",
        "applications": "заявок",
        "claim_photos": "фото рекламаций",
        "manager_actions": "действий менеджеров",
        "nps_answers": "ответов NPS",
        "broadcasts": "рассылок",
        "broadcast_deliveries": "сообщений рассылок",
        "exchange_sessions": "сеансов обмена с 1С",
        "audit_entries": "записей журнала",
    },
    "exchange_package": {
        "classifier": "классификатор",
        "catalog": "каталог",
        "offers": "предложения",
        "documents": "документы",
        "full": "полный",
        "partial": "только изменения",
    },
    "metric_status": {
        "met": "достигнута",
        "behind": "отстаёт",
        "no_data": "нет данных",
        "pending": "ожидается",
        "no_target": "нет цели",
    },
    "day_kind": {"holiday": "выходной/праздник", "shortened": "сокращённый", "workday": "рабочий"},
    "outbox_state": {"pending": "ждёт", "done": "выполнено", "failed": "ошибка"},
    "crm_state": {
        "pending": "ждёт отправки",
        "synced": "в CRM",
        "failed": "ошибка",
        "paused": "синхронизация на паузе",
    },
    "crm_error_kind": {
        "network": "сеть",
        "server": "сбой портала",
        "auth": "вебхук отклонён",
        "rejected": "портал отклонил данные",
    },
    "crm_entity": {
        "dealer": "дилер",
        "order": "заказ",
        "claim": "рекламация",
        "contact": "контакт",
        "person": "сотрудник",
        "portal": "портал",
    },
    "contact_channel": {
        "call": "звонок",
        "email": "письмо",
        "messenger": "мессенджер",
        "forwarded": "пересланное сообщение",
        "visit": "встреча",
        "other": "другое",
    },
    "contact_topic": {
        "prices": "цены",
        "stock": "остатки",
        "order": "заказ",
        "claim": "рекламация",
        "finance": "финансы",
        "other": "другое",
    },
    "bool": {"True": "да", "False": "нет"},
}


def label(kind: str, value: object) -> str:
    """The Russian label of a stored value (`active` -> `активен`); a dash for None.

    An unknown value is shown as it is stored (a test crawls every page for English words)."""
    if value is None or value == "":
        return DASH
    key = str(value.value if hasattr(value, "value") else value)
    return LABELS.get(kind, {}).get(key, key)


def yes_no(value: object) -> str:
    """`да` / `нет` for a flag; a dash for None."""
    return DASH if value is None else ("да" if value else "нет")


# Telegram's refusals as a person reads them (the raw text stays in the delivery row).
TELEGRAM_ERRORS: tuple[tuple[str, str], ...] = (
    ("bot was blocked by the user", "пользователь заблокировал бота"),
    ("user is deactivated", "аккаунт пользователя удалён"),
    ("chat not found", "чат не найден"),
    ("bot was kicked", "бота удалили из чата"),
    ("bot can't initiate conversation", "пользователь ещё не писал боту"),
    ("too many requests", "превышен лимит Telegram"),
    ("message is too long", "сообщение слишком длинное"),
)


def telegram_error(text: str | None) -> str:
    """A Telegram error (or our own reason for skipping a row) in Russian when it is a known
    one, else as Telegram said it."""
    if not text:
        return ""
    if text in LABELS["delivery_reason"]:
        return LABELS["delivery_reason"][text]
    lowered = text.lower()
    for pattern, said in TELEGRAM_ERRORS:
        if pattern in lowered:
            return said
    return text
