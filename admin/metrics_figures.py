"""The rollout dashboard and after-hours figures as JSON, table rows (CSV/XLSX) and charts.

One serialisation for the JSON API, the pages and the exports, so that what a page shows is
what the API returns. Decimals are strings with 2 places; times ISO 8601 UTC; dates ISO.
Charts are SVG drawn server-side by matplotlib (Agg, no pyplot state, no network).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from core import display
from core.display import LABELS
from core.errors import InvalidInput
from core.metrics.after_hours import AfterHoursStats, ConfirmTimes
from core.metrics.rollout import MetricFilters, MetricValue, Period, local_midnight

MAX_ID = 2_147_483_647
MAX_DAYS = 366
DEFAULT_DAYS = 30
WEEKDAYS_RU = ("Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс")
STATUS_RU: dict[str, str] = LABELS["metric_status"]


def dec(value: Decimal | None) -> str | None:
    """A figure as a string with 2 places, or None."""
    return f"{value:.2f}" if value is not None else None


def _time(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value is not None else None


def _period(period: Period | None) -> dict[str, str | None] | None:
    if period is None:
        return None
    return {"start": _time(period.start), "end": _time(period.end)}


# -- query parameters (pages and API) --------------------------------------------------------


def _id(query: Mapping[str, str], name: str) -> int | None:
    raw = (query.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput("api.bad_parameter", name=name) from None
    if not 1 <= value <= MAX_ID:
        raise InvalidInput("api.bad_parameter", name=name)
    return value


def parse_filters(query: Mapping[str, str]) -> MetricFilters:
    """wave_id, manager_id, dealer_id from a query string (blank: no restriction)."""
    return MetricFilters(
        wave_id=_id(query, "wave_id"),
        manager_id=_id(query, "manager_id"),
        dealer_id=_id(query, "dealer_id"),
    )


def _day(query: Mapping[str, str], name: str) -> date | None:
    raw = (query.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput("api.bad_parameter", name=name) from None
    if not 2000 <= value.year <= 2100:
        raise InvalidInput("api.bad_parameter", name=name)
    return value


def parse_days(
    query: Mapping[str, str], zone: ZoneInfo, now: datetime, *, default: bool
) -> tuple[date, date] | None:
    """`from` and `to` (local dates, both included). Without them: the last DEFAULT_DAYS days up
    to today when `default`, else None. Errors: api.bad_parameter (bad date, to before from,
    more than MAX_DAYS days)."""
    first, last = _day(query, "from"), _day(query, "to")
    if first is None and last is None and not default:
        return None
    today = now.astimezone(zone).date()
    last = last or (today if first is None else min(today, first + timedelta(MAX_DAYS - 1)))
    first = first or last - timedelta(days=DEFAULT_DAYS - 1)
    if last < first or (last - first).days >= MAX_DAYS:
        raise InvalidInput("api.bad_parameter", name="to")
    return first, last


def days_period(days: tuple[date, date], zone: ZoneInfo) -> Period:
    """The local days [first, last] as a UTC period."""
    return Period(local_midnight(days[0], zone), local_midnight(days[1] + timedelta(1), zone))


# -- JSON -------------------------------------------------------------------------------------


def filters_json(filters: MetricFilters) -> dict[str, int | None]:
    return {
        "wave_id": filters.wave_id,
        "manager_id": filters.manager_id,
        "dealer_id": filters.dealer_id,
    }


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return dec(value)
    if isinstance(value, datetime):
        return _time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def metric_json(metric: MetricValue) -> dict[str, Any]:
    return {
        "key": metric.key,
        "title_ru": metric.title_ru,
        "title_en": metric.title_en,
        "unit": metric.unit,
        "direction": metric.direction,
        "baseline": dec(metric.baseline),
        "baseline_source": metric.baseline_source,
        "baseline_period": _period(metric.baseline_period),
        "target": dec(metric.target),
        "target_source": metric.target_source,
        "current": dec(metric.current),
        "current_period": _period(metric.current_period),
        "status": metric.status,
        "checkpoints": [
            {
                "name": c.name,
                "due": c.due.isoformat(),
                "scope": c.scope,
                "value": dec(c.value),
                "target": dec(c.target),
                "status": c.status,
            }
            for c in metric.checkpoints
        ],
        "detail": _plain(metric.detail),
    }


def rollout_json(
    metrics: Sequence[MetricValue], filters: MetricFilters, now: datetime
) -> dict[str, Any]:
    return {
        "now": _time(now),
        "filters": filters_json(filters),
        "metrics": [metric_json(m) for m in metrics],
    }


def _times(times: ConfirmTimes) -> dict[str, Any]:
    return {
        "orders": times.orders,
        "confirmed": times.confirmed,
        "median_min": dec(times.median_min),
        "p90_min": dec(times.p90_min),
    }


def after_hours_json(stats: AfterHoursStats, filters: MetricFilters) -> dict[str, Any]:
    return {
        "period": _period(stats.period),
        "zone": stats.zone,
        "filters": filters_json(filters),
        "orders": stats.orders,
        "after_hours_orders": stats.after_hours_orders,
        "share": dec(stats.share),
        "heatmap": stats.heatmap,
        "heatmap_all": stats.heatmap_all,
        "after_hours": _times(stats.after_hours),
        "in_hours": _times(stats.in_hours),
        "backlog": {
            "mornings": stats.mornings,
            "waiting_total": stats.waiting_total,
            "waiting_max": stats.waiting_max,
            "waiting_avg": dec(stats.waiting_avg),
            "days": [
                {
                    "day": m.day.isoformat(),
                    "opens_at": _time(m.opens_at),
                    "after_hours_orders": m.after_hours_orders,
                    "waiting": m.waiting,
                }
                for m in stats.backlog
            ],
        },
    }


# -- tables for CSV / XLSX --------------------------------------------------------------------

Table = tuple[list[str], list[list[Any]]]


def rollout_table(metrics: Sequence[MetricValue], checkpoint_names: Sequence[str]) -> Table:
    """One row per metric: baseline, target, current, status and each checkpoint."""
    header = ["Метрика", "Ключ", "Ед.", "База", "Источник базы", "Цель", "Текущее", "Статус"]
    for name in checkpoint_names:
        header += [f"{name}: дата", f"{name}: значение", f"{name}: статус"]
    rows = []
    for m in metrics:
        row: list[Any] = [
            m.title_ru,
            m.key,
            display.unit(m.unit),
            m.baseline,
            {"manual": "вручную", "period": "за период"}.get(m.baseline_source or "", "не задана"),
            m.target,
            m.current,
            STATUS_RU[m.status],
        ]
        by_name = {c.name: c for c in m.checkpoints}
        for name in checkpoint_names:
            c = by_name.get(name)
            row += [c.due, c.value, STATUS_RU[c.status]] if c else [None, None, ""]
        rows.append(row)
    return header, rows


def after_hours_tables(stats: AfterHoursStats) -> dict[str, Table]:
    """Sheets: the figures, the heatmap (after-hours orders) and the backlog by morning."""
    figures: list[list[Any]] = [
        ["Период с", display.moment(stats.period.start, ZoneInfo(stats.zone))],
        ["Период по (не включая)", display.moment(stats.period.end, ZoneInfo(stats.zone))],
        ["Часовой пояс", stats.zone],
        ["Заказов", stats.orders],
        ["В нерабочее время", stats.after_hours_orders],
        ["Доля, %", stats.share],
        ["Подтверждение, нерабочее время: медиана, мин", stats.after_hours.median_min],
        ["Подтверждение, нерабочее время: p90, мин", stats.after_hours.p90_min],
        ["Подтверждение, рабочее время: медиана, мин", stats.in_hours.median_min],
        ["Подтверждение, рабочее время: p90, мин", stats.in_hours.p90_min],
        ["Утренних очередей (рабочих дней)", stats.mornings],
        ["Ждали утром, всего", stats.waiting_total],
        ["Ждали утром, максимум", stats.waiting_max],
        ["Ждали утром, в среднем", stats.waiting_avg],
    ]
    heat_header = ["День", *(f"{h:02d}" for h in range(24))]
    heat = [[WEEKDAYS_RU[d], *row] for d, row in enumerate(stats.heatmap)]
    backlog = [[m.day, m.after_hours_orders, m.waiting] for m in stats.backlog]
    return {
        "Показатели": (["Показатель", "Значение"], figures),
        "Теплокарта": (heat_header, heat),
        "Утро": (["Рабочий день", "Заказов в нерабочее время", "Ждали начала дня"], backlog),
    }


def _cell(value: Any) -> Any:
    """A CSV cell as Excel in Russian reads it: `1234,5`, `02.12.2026`."""
    if isinstance(value, Decimal | float):
        return display.plain(value)
    if isinstance(value, date):
        return display.day(value)
    return "" if value is None else value


def to_csv(tables: Mapping[str, Table]) -> bytes:
    """CSV (UTF-8 with BOM for Excel, ';' separated); several tables one after another."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    for n, (title, (header, rows)) in enumerate(tables.items()):
        if len(tables) > 1:
            if n:
                writer.writerow([])
            writer.writerow([title])
        writer.writerow(header)
        writer.writerows([[_cell(v) for v in row] for row in rows])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(tables: Mapping[str, Table]) -> bytes:
    """An XLSX workbook, one sheet per table; figures are numbers."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, (header, rows) in tables.items():
        sheet = book.create_sheet(title[:31])
        sheet.append(header)
        for row in rows:
            sheet.append(
                [float(v) if isinstance(v, Decimal) else ("" if v is None else v) for v in row]
            )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# -- charts (matplotlib, SVG) -----------------------------------------------------------------


def _svg(figure: Any) -> str:
    out = io.StringIO()
    # No <metadata> (creation date, matplotlib version): a page shows only the chart.
    none = {"Date": None, "Creator": None, "Format": None, "Type": None}
    figure.savefig(out, format="svg", bbox_inches="tight", metadata=none)
    text = out.getvalue()
    return text[text.index("<svg") :]


def heatmap_svg(matrix: Sequence[Sequence[int]], title: str) -> str:
    """A weekday x hour heatmap with the counts written in the cells."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(11, 3.4))
    axes = figure.add_subplot()
    image = axes.imshow(matrix, cmap="Oranges", aspect="auto", vmin=0)
    axes.set_xticks(range(24), [f"{h:02d}" for h in range(24)], fontsize=8)
    axes.set_yticks(range(7), WEEKDAYS_RU, fontsize=9)
    axes.set_title(title, fontsize=10)
    high = max((max(row) for row in matrix), default=0)
    for day, row in enumerate(matrix):
        for hour, count in enumerate(row):
            if count:
                color = "white" if count > high * 0.6 else "black"
                axes.text(hour, day, str(count), ha="center", va="center", fontsize=7, color=color)
    from matplotlib.ticker import MaxNLocator

    figure.colorbar(image, ax=axes, fraction=0.02, ticks=MaxNLocator(integer=True))
    return _svg(figure)


def progress_svg(metrics: Sequence[MetricValue]) -> str:
    """How far each metric has moved from its baseline towards its target, in % of the way
    (0 = at the baseline, 100 = target reached); metrics without baseline, target or current
    value are left out."""
    from matplotlib.figure import Figure

    rows = []
    for m in metrics:
        if m.baseline is None or m.target is None or m.current is None:
            continue
        way = m.target - m.baseline
        if not way:
            continue
        rows.append((m.title_ru, float((m.current - m.baseline) / way * 100)))
    # Every bar is drawn whole (the axis widens to the longest) and carries its figure.
    figure = Figure(figsize=(9, 0.45 * max(len(rows), 1) + 1))
    axes = figure.add_subplot()
    if rows:
        names = [r[0] for r in rows][::-1]
        values = [r[1] for r in rows][::-1]
        colors = ["#2da44e" if v >= 100 else "#d4a72c" if v >= 0 else "#cf222e" for v in values]
        axes.barh(names, values, color=colors)
        axes.axvline(100, color="#24292f", linestyle="--", linewidth=1)
        axes.axvline(0, color="#8c959f", linewidth=1)
        low, high = min(-10.0, *values), max(110.0, *values)
        margin = (high - low) * 0.12
        axes.set_xlim(low - (margin if low < -10 else 0), high + margin)
        for y, v in enumerate(values):
            axes.text(
                v,
                y,
                f" {display.number(v, digits=0)} % ",
                va="center",
                fontsize=7,
                ha="left" if v >= 0 else "right",
            )
    else:
        axes.text(0.5, 0.5, "Нет метрик с базой и целью", ha="center", va="center")
        axes.set_axis_off()
    axes.set_xlabel("% пути от базы к цели", fontsize=9)
    axes.tick_params(labelsize=8)
    return _svg(figure)


def series_svg(
    title: str,
    points: Sequence[tuple[str, Decimal | None]],
    baseline: Decimal | None,
    target: Decimal | None,
    partial: bool = False,
) -> str:
    """A metric month by month (a line; months without a value are gaps), with its baseline
    and target as horizontal lines; `partial`: the last month is still running (its point is
    hollow and says so, so a month half gone does not read as a fall)."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9, 3))
    axes = figure.add_subplot()
    labels = [label for label, _ in points]
    values = [float(v) if v is not None else float("nan") for _, v in points]
    axes.plot(labels, values, marker="o", color="#0969da", label="по месяцам")
    if partial and labels:
        axes.plot(labels[-1:], values[-1:], marker="o", color="white", markeredgecolor="#0969da")
        axes.annotate(
            "неполный месяц",
            (len(labels) - 1, values[-1]),
            fontsize=7,
            textcoords="offset points",
            xytext=(-20, 8),
            ha="right",
        )
    if baseline is not None:
        axes.axhline(
            float(baseline),
            color="#8c959f",
            linestyle=":",
            label=f"база {display.number(baseline)}",
        )
    if target is not None:
        axes.axhline(
            float(target), color="#2da44e", linestyle="--", label=f"цель {display.number(target)}"
        )
    axes.set_title(title, fontsize=10)
    axes.tick_params(labelsize=8)
    axes.legend(fontsize=8, loc="best")
    axes.grid(alpha=0.3)
    return _svg(figure)
