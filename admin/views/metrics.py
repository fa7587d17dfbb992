"""The rollout dashboard and the after-hours page, their settings and exports (admins only).

Figures come from core.metrics (rollout_dashboard, after_hours_stats); settings are changed only
through core.metrics.rollout.save_config. JSON/CSV/XLSX share admin.metrics_figures.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import replace
from datetime import date, time
from decimal import Decimal, InvalidOperation
from typing import Any

from aiohttp import web
from sqlalchemy import select

from admin.keys import METRICS_CACHE, SETTINGS
from admin.metrics_figures import (
    STATUS_RU,
    WEEKDAYS_RU,
    after_hours_json,
    after_hours_tables,
    days_period,
    heatmap_svg,
    parse_days,
    parse_filters,
    progress_svg,
    rollout_json,
    rollout_table,
    series_svg,
    to_csv,
    to_xlsx,
)
from admin.web import (
    DB,
    PREFIX,
    admin_only,
    audit,
    field,
    flash,
    form,
    int_field,
    redirect,
    render,
)
from core import display
from core.calendar import load_calendar
from core.errors import InvalidInput
from core.metrics.after_hours import after_hours_stats
from core.metrics.nps import nps_rounds, queue_nps_survey
from core.metrics.rollout import (
    METRICS_BY_KEY,
    CheckpointConfig,
    MetricConfig,
    MetricFilters,
    Period,
    load_config,
    metric_series,
    rollout_dashboard,
    save_config,
)
from core.metrics.weekly import (
    WeeklyDigestConfig,
    load_weekly_config,
    recipients,
    save_weekly_config,
)
from core.models import Dealer, PilotWave, Role, User, utcnow

routes = web.RouteTableDef()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_CHECKPOINTS = 10


async def _choices(request: web.Request) -> dict[str, Any]:
    db = request[DB]
    return {
        "waves": list(
            await db.execute(select(PilotWave.id, PilotWave.name).order_by(PilotWave.id))
        ),
        "managers": list(
            await db.execute(
                select(User.id, User.full_name)
                .where(User.role == Role.MANAGER)
                .order_by(User.full_name, User.id)
            )
        ),
        "dealers": list(
            await db.execute(select(Dealer.id, Dealer.name).order_by(Dealer.name).limit(1000))
        ),
    }


async def _dashboard(request: web.Request) -> tuple[MetricFilters, Any, Any, Any]:
    settings = request.app[SETTINGS]
    filters = parse_filters(request.query)
    now = utcnow()
    days = parse_days(request.query, settings.zone, now, default=False)
    period: Period | None = days_period(days, settings.zone) if days else None
    config = await load_config(request[DB])
    values = await rollout_dashboard(
        request[DB],
        filters,
        now=now,
        period=period,
        zone=settings.zone,
        config=config,
        cache=request.app[METRICS_CACHE],
    )
    return filters, now, config, values


def _download(body: bytes, name: str, kind: str) -> web.Response:
    content_type = XLSX if kind == "xlsx" else "text/csv"
    return web.Response(
        body=body,
        content_type=content_type,
        charset="utf-8" if kind == "csv" else None,
        headers={"Content-Disposition": f'attachment; filename="{name}.{kind}"'},
    )


@routes.get("/metrics")
@admin_only
async def dashboard(request: web.Request) -> web.Response:
    """Each metric: baseline, checkpoints, target, current value, status; filters; settings."""
    filters, now, config, values = await _dashboard(request)
    chart = await asyncio.to_thread(progress_svg, values)
    key = request.query.get("series", "bot_share")
    key = key if key in METRICS_BY_KEY else "bot_share"
    row = next(m for m in values if m.key == key)
    points = await metric_series(
        request[DB],
        key,
        filters,
        now=now,
        months=12,
        zone=request.app[SETTINGS].zone,
        cache=request.app[METRICS_CACHE],
    )
    series = await asyncio.to_thread(
        series_svg,
        f"{row.title_ru}, {display.unit(row.unit)} ({display.better(row.direction)})",
        [(display.month(p.month, short=True), p.value) for p in points],
        row.baseline,
        row.target,
        bool(points) and points[-1].period.end > now,
    )
    data = rollout_json(values, filters, now)
    return await render(
        request,
        "metrics/dashboard.html",
        {
            "rows": list(zip(values, data["metrics"], strict=True)),
            "config": config,
            "filters": filters,
            "chart": chart,
            "series_chart": series,
            "series_key": key,
            "status_ru": STATUS_RU,
            "descriptions": {k: m.description_ru for k, m in METRICS_BY_KEY.items()},
            "checkpoint_rows": [*config.checkpoints, None],
            "api_query": request.query_string,
            "weekly": await load_weekly_config(request[DB]),
            "weekly_chats": len(await recipients(request[DB])),
            "nps_rounds": await nps_rounds(request[DB]),
            "nps_survey": now.astimezone(request.app[SETTINGS].zone).strftime("%Y-%m"),
            **await _choices(request),
        },
    )


@routes.get("/metrics/export.{kind:(csv|xlsx)}")
@admin_only
async def dashboard_export(request: web.Request) -> web.Response:
    """The dashboard as CSV or XLSX, with the page's filters."""
    _filters, _now, config, values = await _dashboard(request)
    table = rollout_table(values, [c.name for c in config.checkpoints])
    kind = request.match_info["kind"]
    tables = {"Метрики": table}
    body = to_csv(tables) if kind == "csv" else to_xlsx(tables)
    return _download(body, "rollout", kind)


# -- settings ---------------------------------------------------------------------------------


def _opt_date(data: Mapping[str, Any], name: str) -> date | None:
    raw = field(data, name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput("calendar.bad_day") from None


def _opt_dec(data: Mapping[str, Any], name: str) -> Decimal | None:
    raw = field(data, name).replace(",", ".").replace(" ", "")
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise InvalidInput("input.bad_number", value=raw) from None
    if not value.is_finite() or abs(value) >= Decimal("1e12"):
        raise InvalidInput("input.bad_number", value=raw)
    return value


def _int(data: Mapping[str, Any], name: str, default: int) -> int:
    raw = field(data, name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise InvalidInput("input.bad_number", value=raw) from None


@routes.post("/metrics/settings")
@admin_only
async def settings_save(request: web.Request) -> web.StreamResponse:
    """Launch date, baseline period, window and checkpoints."""
    data = await form(request)
    config = await load_config(request[DB])
    checkpoints = []
    for n in range(MAX_CHECKPOINTS + 1):
        name = field(data, f"cp_name_{n}")
        if not name or field(data, f"cp_delete_{n}"):
            continue
        checkpoints.append(
            CheckpointConfig(
                name=name[:50],
                scope="pilot" if field(data, f"cp_scope_{n}") == "pilot" else "all",
                months=_int(data, f"cp_months_{n}", 0),
                due=_opt_date(data, f"cp_due_{n}"),
            )
        )
    config = replace(
        config,
        launch_on=_opt_date(data, "launch_on"),
        baseline_start=_opt_date(data, "baseline_start"),
        baseline_end=_opt_date(data, "baseline_end"),
        window_days=_int(data, "window_days", 30),
        checkpoints=tuple(checkpoints[:MAX_CHECKPOINTS]),
    )
    await save_config(request[DB], config, staff_id=None)
    audit(request, "metrics.settings", "rollout", "", launch_on=str(config.launch_on))
    await request[DB].commit()
    request.app[METRICS_CACHE].clear()  # the closed windows may be other ones now
    await flash(request, "Настройки дашборда сохранены.")
    raise redirect(f"{PREFIX}/metrics")


@routes.post("/metrics/metric/{key}")
@admin_only
async def metric_save(request: web.Request) -> web.StreamResponse:
    """A metric's baseline (blank: from the period, else the value by hand) and target."""
    key = request.match_info["key"]
    if key not in METRICS_BY_KEY:
        raise InvalidInput("rollout.unknown_metric", metric=key)
    data = await form(request)
    config = await load_config(request[DB])
    settings = MetricConfig(
        baseline=_opt_dec(data, "baseline") if field(data, "baseline_source") == "manual" else None,
        target=_opt_dec(data, "target"),
        target_pct=_opt_dec(data, "target_pct"),
    )
    if field(data, "baseline_source") == "manual" and settings.baseline is None:
        raise InvalidInput("input.bad_number", value="")
    metrics = {**config.metrics, key: settings}
    await save_config(request[DB], replace(config, metrics=metrics), staff_id=None)
    audit(
        request,
        "metrics.metric",
        "rollout",
        key,
        baseline=str(settings.baseline),
        target=str(settings.target),
        target_pct=str(settings.target_pct),
    )
    await request[DB].commit()
    await flash(request, f"Метрика «{METRICS_BY_KEY[key].title_ru}» сохранена.")
    raise redirect(f"{PREFIX}/metrics")


@routes.post("/metrics/weekly")
@admin_only
async def weekly_save(request: web.Request) -> web.StreamResponse:
    """The weekly digest's schedule: on/off, weekday, local time."""
    data = await form(request)
    try:
        at = time.fromisoformat(field(data, "at") or "09:00")
    except ValueError:
        raise InvalidInput("input.bad_number", value=field(data, "at")) from None
    config = WeeklyDigestConfig(
        enabled=bool(field(data, "enabled")),
        weekday=_int(data, "weekday", 1),
        at=at.replace(second=0, microsecond=0),
    )
    await save_weekly_config(request[DB], config, staff_id=None)
    audit(request, "metrics.weekly", "rollout", "", enabled=config.enabled, weekday=config.weekday)
    await request[DB].commit()
    await flash(request, "Расписание еженедельной сводки сохранено.")
    raise redirect(f"{PREFIX}/metrics")


@routes.post("/metrics/nps")
@admin_only
async def nps_send(request: web.Request) -> web.StreamResponse:
    """Queue the NPS question of a round for a wave's people (the pilot wave by default)."""
    data = await form(request)
    survey = field(data, "survey")
    wave_id = int_field(data, "wave_id")
    queued = await queue_nps_survey(request[DB], survey, wave_id=wave_id)
    audit(request, "metrics.nps_send", "nps", survey, wave_id=wave_id, queued=queued)
    await request[DB].commit()
    if queued:
        await flash(request, f"Вопрос NPS «{survey}» поставлен в очередь: {queued} чел.")
    else:
        await flash(
            request,
            f"Вопрос NPS «{survey}» никому не добавлен: все люди волны с Telegram его уже"
            " получили, или в волне их нет.",
            "error",
        )
    raise redirect(f"{PREFIX}/metrics#nps")


# -- after hours ------------------------------------------------------------------------------


async def _after_hours(request: web.Request) -> tuple[MetricFilters, Any, tuple[date, date]]:
    settings = request.app[SETTINGS]
    filters = parse_filters(request.query)
    now = utcnow()
    days = parse_days(request.query, settings.zone, now, default=True)
    assert days is not None
    calendar = await load_calendar(request[DB], settings)
    stats = await after_hours_stats(
        request[DB], calendar, days_period(days, settings.zone), filters, now=now
    )
    return filters, stats, days


@routes.get("/metrics/after-hours")
@admin_only
async def after_hours(request: web.Request) -> web.Response:
    """After-hours orders: figures, weekday x hour heatmap, confirmation times, morning backlog."""
    filters, stats, days = await _after_hours(request)
    chart = await asyncio.to_thread(
        heatmap_svg, stats.heatmap, "Заказы в нерабочее время: день недели × час"
    )
    return await render(
        request,
        "metrics/after_hours.html",
        {
            "stats": stats,
            "data": after_hours_json(stats, filters),
            "filters": filters,
            "days": days,
            "chart": chart,
            "weekdays": WEEKDAYS_RU,
            **await _choices(request),
        },
    )


@routes.get("/metrics/after-hours/export.{kind:(csv|xlsx)}")
@admin_only
async def after_hours_export(request: web.Request) -> web.Response:
    """The after-hours figures, heatmap and backlog as CSV or XLSX."""
    _filters, stats, _days = await _after_hours(request)
    kind = request.match_info["kind"]
    tables = after_hours_tables(stats)
    body = to_csv(tables) if kind == "csv" else to_xlsx(tables)
    return _download(body, "after_hours", kind)
