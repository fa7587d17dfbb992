"""Russian texts for the domain error keys the admin shows; unknown keys are shown as they are."""

from __future__ import annotations

from typing import Any

from core.errors import DomainError

TEXTS: dict[str, str] = {
    "broadcast.not_found": "Рассылка не найдена.",
    "broadcast.audience_unknown": "Неизвестная аудитория «{kind}».",
    "broadcast.audience_bad_numbers": "В аудитории ожидаются числа (id и число дней).",
    "broadcast.audience_empty_choice": "Выберите хотя бы одну волну, менеджера или дилера.",
    "broadcast.audience_empty_values": "Укажите хотя бы один регион или тег.",
    "broadcast.audience_bad_days": "Число дней — от 1 до 3650.",
    "broadcast.text_required": "Напишите текст или добавьте фото.",
    "broadcast.bad_tag": "Тег <{tag}> Telegram не поддерживает.",
    "broadcast.bad_attribute": "У тега <{tag}> не может быть атрибута «{name}».",
    "broadcast.unbalanced": "Тег <{tag}> не закрыт или закрыт не по порядку.",
    "broadcast.bad_link": "Ссылка «{url}» должна начинаться с https://, http:// или tg://.",
    "broadcast.too_long": "Текст длиннее {limit} символов (без тегов).",
    "broadcast.bad_photo": "Фото — это ссылка https://… или file_id Telegram.",
    "broadcast.photo_empty": "Файл фото пустой.",
    "broadcast.photo_too_large": "Фото больше {max_mb} МБ: Telegram его не примет.",
    "broadcast.photo_not_image": "Это не фото: нужен файл JPEG или PNG.",
    "broadcast.photo_bad_size": (
        "Фото {width}×{height}: Telegram принимает ширину и высоту в сумме до 10 000 точек"
        " и стороны, отличающиеся не больше чем в 20 раз."
    ),
    "broadcast.two_photos": "Укажите фото одним способом: файлом или ссылкой.",
    "broadcast.button_incomplete": "У кнопки нужны и текст, и ссылка.",
    "broadcast.button_too_long": "Текст кнопки длиннее {limit} символов.",
    "broadcast.not_editable": "Рассылку уже нельзя изменить ({state}).",
    "broadcast.not_scheduled": "Рассылка не запланирована ({state}).",
    "broadcast.not_cancellable": "Рассылку уже нельзя отменить ({state}).",
    "broadcast.schedule_past": "Время старта уже прошло.",
    "broadcast.bad_time": "Укажите дату и время старта.",
    "broadcast.no_recipients": "Получателей нет: в аудитории никто не подключён к боту.",
    "broadcast.no_own_chat": "Укажите свой Telegram id для тестовой отправки.",
    "auth.bad_credentials": "Неверный логин или пароль.",
    "finance.document_not_found": "Документ не найден.",
    "finance.no_pdf": "К этому документу 1С не передала файл.",
    "finance.bad_policy": "Неизвестная кредитная политика «{policy}».",
    "auth.locked": (
        "Слишком много неудачных попыток входа. Вход с этого адреса заблокирован до {until}."
    ),
    "auth.admin_only": "Эта страница доступна только администраторам.",
    "nps.bad_survey": "Название опроса — от 1 до 20 символов, например 2026-11.",
    "upload.too_large": "Файл слишком большой: админка принимает до {max_mb} МБ за раз.",
    "csrf.invalid": (
        "Форма устарела или отправлена не со страницы админки (CSRF). Обновите страницу."
    ),
    "dealer.not_found": "Дилер не найден.",
    "page.not_found": "Страница не найдена.",
    "dealer.bad_inn": "ИНН «{inn}» неверен: нужно 10 или 12 цифр.",
    "dealer.name_required": "Укажите название дилера.",
    "contact.bad_channel": "Выберите канал обращения: звонок, почта, мессенджер или другое.",
    "contact.bad_topic": "Выберите тему обращения.",
    "contact.bad_duration": "Длительность — целое число минут от 1 до {limit}.",
    "contact.note_too_long": "Заметка длиннее {limit} знаков.",
    "contact.bad_time": "Время обращения указано неверно.",
    "dealer.unknown_price_type": "Тип цен «{name}» не найден.",
    "dealer.bad_status": "Неизвестный статус «{status}».",
    "dealer.bad_manager": "Выбранный менеджер не найден.",
    "dealer.bad_wave": "Выбранная волна не найдена.",
    "dealer.field_too_long": "Поле «{field}» длиннее {limit} символов.",
    "address.required": "Укажите адрес.",
    "legal_entity.bad_kpp": (
        "КПП «{kpp}» неверен: нужно 9 символов (цифры; 5-й и 6-й могут быть латинскими буквами)."
    ),
    "legal_entity.not_found": "Юрлицо не найдено.",
    "invitation.unknown": "Приглашение не найдено.",
    "invitation.bad_uses": "Число использований должно быть от 1 до {limit}.",
    "invitation.bad_days": "Срок действия должен быть от 1 до {limit} дней.",
    "invitation.revoked": "Приглашение отозвано.",
    "invitation.expired": "Срок приглашения истёк.",
    "invitation.used_up": "Приглашение уже использовано.",
    "wave.not_found": "Волна не найдена.",
    "wave.name_required": "Укажите название волны.",
    "wave.name_taken": "Волна «{name}» уже есть.",
    "wave.bad_dates": "Дата окончания раньше даты начала.",
    "application.not_found": "Заявка не найдена.",
    "application.already_decided": "По заявке уже принято решение ({status}).",
    "application.reject_message_required": "Напишите сообщение для заявителя.",
    "application.reject_message_too_long": "Сообщение длиннее {limit} символов.",
    "order.not_found": "Заказ не найден.",
    "order.bad_transition": "Заказ {number} в статусе «{status}»: такой переход невозможен.",
    "order.already_changed": "Заказ {number} уже изменён (статус «{status}»).",
    "order.reject_reason_required": "Укажите причину отклонения.",
    "order.reject_reason_too_long": "Причина длиннее {limit} символов.",
    "claim.not_found": "Рекламация не найдена.",
    "claim.bad_transition": "Рекламация {number} в статусе «{status}»: такой переход невозможен.",
    "claim.already_changed": "Рекламация {number} уже изменена (статус «{status}»).",
    "claim.photo_unavailable": "Фото недоступно: Bot API не настроен или не ответил.",
    "staff.only": "Действие доступно только менеджерам и администраторам.",
    "staff.login_required": "Укажите логин.",
    "staff.bad_role": "Неизвестная роль «{role}».",
    "staff.password_too_short": "Пароль короче {minimum} символов.",
    "staff.password_blank": "Пароль не может быть пустым.",
    "staff.password_common": "Этот пароль слишком простой: выберите другой.",
    "staff.login_taken": "Логин «{login}» уже занят.",
    "staff.user_not_found": "Пользователь Telegram не найден.",
    "staff.not_found": "Логин не найден.",
    "staff.cannot_disable_self": "Нельзя отключить свой собственный логин.",
    "api_token.not_found": "Токен не найден.",
    "api_token.name_required": "Укажите название токена.",
    "api_token.name_too_long": "Название длиннее {limit} символов.",
    "api_token.owner_invalid": "Владелец токена — действующий менеджер или администратор.",
    "settings.bad_chat": "ID чата — целое число (для групп обычно начинается с -100).",
    "notify.bad_policy": "Неизвестная политика «{policy}».",
    "calendar.bad_day": "Неверная дата.",
    "calendar.bad_kind": "Неизвестный тип дня «{kind}».",
    "input.bad_number": "«{value}» — не число.",
    "rollout.bad_window": "Окно расчёта — от 1 до 366 дней (указано {window_days}).",
    "rollout.bad_baseline_period": "Период базы: укажите обе даты, конец — позже начала.",
    "rollout.bad_checkpoint": (
        "Контрольная точка «{name}»: нужны название и срок от 0 до 120 месяцев."
    ),
    "rollout.unknown_metric": "Неизвестный показатель: {metric}.",
    "weekly.bad_weekday": "День недели — от 1 (понедельник) до 7 (воскресенье).",
    "api.bad_parameter": "Неверный параметр «{name}».",
    "import.empty_file": "Файл пуст.",
    "import.too_large": "Файл слишком большой.",
    "import.unsupported_format": "Формат не поддерживается: сохраните как .xlsx или .csv.",
    "import.bad_file": "Файл не читается как .xlsx или .csv.",
    "import.missing_column": "Нет колонки «ИНН» в строке заголовков: скачайте шаблон.",
    "import.name_required": "Новый дилер: нужно название.",
    "import.too_long": "Колонка «{column}» длиннее {limit} символов.",
    "import.unknown_price_type": "Тип цен «{name}» не найден.",
    "import.unknown_wave": "Волна «{name}» не найдена.",
    "import.bad_status": "Неизвестный статус «{status}».",
    "import.legal_entity_inn_required": "Для юрлица нужен ИНН юрлица.",
    "import.bad_kpp": "КПП «{kpp}» неверен: нужно 9 цифр.",
    "import.legal_entity_other_dealer": "Юрлицо с ИНН {inn} уже принадлежит другому дилеру.",
    "import.no_file": "Выберите файл.",
    # people, legal entities, addresses, tags, approval (core.dealers.editing, roles, approval)
    "dealer.bad_inn_checksum": "ИНН «{inn}» неверен: не сходится контрольная цифра.",
    "dealer.bad_tag": (
        "Тег «{tag}»: только буквы, цифры, дефис и подчёркивание, до 40 символов, без пробелов."
    ),
    "dealer.too_many_tags": "Не больше {limit} тегов.",
    "dealer.bad_threshold": (
        "Порог «{value}» — не сумма: укажите рубли, например 150000 или 150000,50 (или оставьте"
        " пустым)."
    ),
    "dealer.bad_max_people": "Лимит сотрудников — целое число от 0 до {limit}.",
    "legal_entity.name_required": "Укажите название юрлица.",
    "legal_entity.name_too_long": "Название юрлица длиннее {limit} символов.",
    "person.not_found": "Сотрудник не найден.",
    "person.name_required": "Укажите имя сотрудника.",
    "person.name_too_long": "Имя длиннее {limit} символов.",
    "person.bad_phone": (
        "Телефон «{phone}» не похож на российский номер: нужно +7 и 10 цифр,"
        " например +7 912 345-67-89."
    ),
    "person.bad_role": "Неизвестная роль «{role}».",
    "address.too_long": "Адрес длиннее {limit} символов.",
    "address.not_found": "Адрес не найден.",
    "invitation.dealer_full": "Лимит сотрудников дилера исчерпан ({limit}).",
    "approval.not_allowed": "Согласовать заказ может только согласующий дилера.",
    # core.access
    "access.denied": "Нет доступа.",
    "access.revoked": "Доступ этого человека закрыт.",
    "access.reason_too_long": "Причина длиннее {limit} символов.",
    "access.not_paused": "Дилер «{dealer}» не приостановлен.",
    "access.already_revoked": "Доступ «{name}» уже закрыт.",
    "access.not_revoked": "Доступ «{name}» не закрыт.",
    "access.not_a_manager": "«{name}» — не менеджер.",
    "access.group_too_long": "Название группы длиннее {limit} символов.",
    "user.not_found": "Пользователь Telegram {telegram_id} не найден.",
}


def text(key: str, params: dict[str, Any] | None = None) -> str:
    """The Russian text of an error key with its parameters filled in."""
    template = TEXTS.get(key)
    if template is None:
        details = ", ".join(f"{k}={v}" for k, v in (params or {}).items())
        return f"{key} ({details})" if details else key
    try:
        return template.format(**(params or {}))
    except (KeyError, IndexError, ValueError):
        return template


def error_text(error: DomainError) -> str:
    """The text of a domain error."""
    return text(error.key, error.params)
