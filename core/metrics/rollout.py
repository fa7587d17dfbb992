"""The rollout dashboard: each metric of the seed against its baseline, checkpoints and target.

Vocabulary (all times aware UTC; a window is half-open, ``start <= t < end``):

* **scope**: the dealers a figure is about. `MetricFilters` narrows it (wave, manager, dealer;
  the filters combine with AND); a checkpoint narrows it further to the pilot wave or not.
* **current**: the metric over the window ``[now - window_days, now)`` (``window_days`` from
  the configuration, 30 by default), or over the `Period` the caller gives.
* **baseline**: the metric over the configured baseline period (by default the 90 days before
  the launch date: before the pilot, when every order came through 1C), or a value entered by
  hand for that metric (``baseline_source == "manual"``). None when neither gives a number.
* **checkpoints**: pilot +3 months, all +6 months, all +12 months after the launch date (names,
  offsets, scopes and due dates are editable). A checkpoint's value is the metric over the
  ``window_days`` before its due date, for its scope; a checkpoint in the future is "pending".
* **target**: entered by hand, or by default the baseline moved 20 % (``target_pct``) in the
  metric's good direction: ``baseline * 1.2`` for a metric that should go up, ``baseline * 0.8``
  for one that should go down; for shares (unit "%") and NPS the move is in points
  (``baseline + 20``, ``baseline - 20``, kept within the metric's range), since a relative move
  from a baseline of 0 % would be no target at all. No baseline and no manual target: no target.
* **status**: "met" when the current value reached the target in the metric's direction
  (``>=`` for "up", ``<=`` for "down"), "behind" when not, "no_target" when there is no target
  or the default target is 0 (no verdict), "no_data" when the current value is missing.
  Checkpoints use the same rule and "pending" before their due date.

The numbers are computed by SQL aggregates in the database (`core.metrics.compute`), one rule
per metric, the same rule for the current value, the baseline, the checkpoints and the monthly
series of charts. All values are `Decimal` rounded to 2 places (money stays exact).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput
from core.models import PilotWave
from core.models.admin import get_setting, set_setting

Direction = Literal["up", "down"]
BaselineSource = Literal["period", "manual"]
Status = Literal["met", "behind", "no_data", "no_target"]
CheckpointStatus = Literal["met", "behind", "pending", "no_data", "no_target"]
Scope = Literal["pilot", "all"]
TargetMode = Literal["relative", "points"]

CONFIG_KEY = "rollout.config"
DEFAULT_WINDOW_DAYS = 30
DEFAULT_BASELINE_DAYS = 90
DEFAULT_TARGET_PCT = Decimal("20")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class MetricFilters:
    """Which dealers the figures are about; None means no restriction. Filters combine (AND)."""

    wave_id: int | None = None
    manager_id: int | None = None
    dealer_id: int | None = None


@dataclass(frozen=True)
class Period:
    """A half-open time window ``[start, end)`` of aware datetimes."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("Period needs aware datetimes")
        if self.end < self.start:
            raise ValueError("Period ends before it starts")

    @property
    def days(self) -> Decimal:
        """The length in days (fractional)."""
        return Decimal((self.end - self.start).total_seconds()) / Decimal(86400)


@dataclass(frozen=True)
class MetricDef:
    """What a metric is: key, titles, unit, good direction, how its default target is set."""

    key: str
    title_ru: str
    title_en: str
    unit: str  # "%", "RUB", "min", "days", "per 100", "ops/month", "lines", "dealers", "score"
    direction: Direction
    target_mode: TargetMode = "relative"
    low: Decimal | None = None  # the range a points target is kept within
    high: Decimal | None = None
    description_en: str = ""
    description_ru: str = ""  # one sentence for the dashboard, in words a sales director reads


# The metrics in dashboard order; `core.metrics.compute` holds the rule of each key.
METRICS: tuple[MetricDef, ...] = (
    MetricDef(
        "ops_per_manager",
        "Операций на менеджера в месяц",
        "Operations per manager per month",
        "ops/month",
        "up",
        description_en=(
            "Manager actions recorded in the window (orders confirmed and rejected, edits,"
            " claim decisions, contacts logged) on the dealers in scope, by people whose role"
            " is manager, divided by the managers with at least one, per 30 days."
        ),
        description_ru=(
            "Сколько действий в среднем делает один менеджер за месяц: подтверждения и"
            " отклонения заказов, правки, решения по рекламациям, записанные обращения."
        ),
    ),
    MetricDef(
        "contacts_outside",
        "Обращения вне платформы: цены и остатки",
        "Requests outside the platform: prices and stock",
        "contacts/month",
        "down",
        description_en=(
            "Contacts logged by managers (calls, e-mails, messengers) about prices or stock,"
            " per 30 days; no value while no contact at all was logged in the window."
        ),
        description_ru=(
            "Сколько раз за месяц дилеры звонили, писали на почту или в мессенджер, чтобы"
            " узнать цены или остатки, — то, что они могли посмотреть в боте. Считаются"
            " обращения, записанные менеджерами; цель — на 20 % меньше базы."
        ),
    ),
    MetricDef(
        "client_time",
        "Время работы с клиентом",
        "Time with a client",
        "min",
        "down",
        description_en=(
            "Manager minutes per dealer worked with, per 30 days: logged contact durations plus,"
            " for each order placed and claim filed in the window, the time to the manager's"
            " last action on it, at most 60 minutes each (core.metrics.manager_work)."
        ),
        description_ru=(
            "Сколько времени в месяц менеджер тратит на одного дилера: длительность записанных"
            " звонков и переписки плюс время от заказа или рекламации дилера до последнего"
            " действия менеджера по ним (не больше часа на каждую). Цель — на 20 % меньше базы."
        ),
    ),
    MetricDef(
        "bot_share",
        "Доля заказов через бот",
        "Share of orders placed through the bot",
        "%",
        "up",
        "points",
        Decimal(0),
        Decimal(100),
        "Bot orders / all orders (bot and 1C-only) placed in the window.",
    ),
    MetricDef(
        "repeat_bot_share",
        "Повторные заказы через бот",
        "Repeat orders through the bot",
        "%",
        "up",
        "points",
        Decimal(0),
        Decimal(100),
        "Of the dealers who had placed a bot order before the window, the share who placed"
        " a bot order again within it (dealers coming back to the bot).",
    ),
    MetricDef(
        "after_hours_share",
        "Доля заказов в нерабочее время",
        "Share of orders placed after hours",
        "%",
        "up",
        "points",
        Decimal(0),
        Decimal(100),
        "Orders flagged after-hours at placement (core.calendar's working time rule) / all"
        " orders placed in the window.",
    ),
    MetricDef(
        "claims_per_100",
        "Рекламаций на 100 заказов",
        "Claims per 100 orders",
        "per 100",
        "down",
        description_en="Claims filed in the window * 100 / orders placed in the window.",
    ),
    MetricDef(
        "wrong_item_claims_per_100",
        "Пересорт: рекламаций на 100 заказов",
        "Wrong-item claims per 100 orders",
        "per 100",
        "down",
        description_en=(
            "Claims filed in the window with at least one wrong-item line * 100 / orders"
            " placed in the window."
        ),
    ),
    MetricDef(
        "avg_order_value",
        "Средний чек",
        "Average order value",
        "RUB",
        "up",
        description_en="Mean total of the orders placed in the window, rejected and cancelled"
        " ones left out.",
    ),
    MetricDef(
        "lines_per_order",
        "Строк в заказе",
        "Lines per order",
        "lines",
        "up",
        description_en="Order lines / orders over the same orders as the average value.",
    ),
    MetricDef(
        "confirm_median_min",
        "Время до подтверждения, медиана",
        "Time to confirmation, median",
        "min",
        "down",
        description_en="Median of confirmed_at - placed_at in minutes (clock time) of the"
        " orders placed in the window that were confirmed.",
    ),
    MetricDef(
        "confirm_p90_min",
        "Время до подтверждения, 90-й перцентиль",
        "Time to confirmation, 90th percentile",
        "min",
        "down",
        description_en="90th percentile (linear interpolation) of the same durations.",
    ),
    MetricDef(
        "partners_onboarded",
        "Подключено партнёров",
        "Partners onboarded",
        "dealers",
        "up",
        description_en=(
            "Dealers onboarded (a person redeemed an invitation) before the window's end;"
            " detail: first and last onboarding dates, the span in days, how many in the"
            " window, dealers in scope. Default target: every dealer in scope."
        ),
    ),
    MetricDef(
        "days_to_first_order",
        "Дней до первого заказа",
        "Days to the first order",
        "days",
        "down",
        description_en=(
            "Median days from onboarding to the dealer's first bot order, over the dealers"
            " whose first bot order was placed before the window's end; detail: how many"
            " onboarded dealers have no bot order yet."
        ),
    ),
    MetricDef(
        "satisfaction_avg",
        "Удовлетворённость (опрос 1–5)",
        "Satisfaction (poll 1-5)",
        "score",
        "up",
        description_en="Mean score of the satisfaction poll answers given in the window.",
    ),
    MetricDef(
        "nps",
        "NPS (пилотные дилеры)",
        "NPS (pilot dealers)",
        "NPS",
        "up",
        "points",
        Decimal(-100),
        Decimal(100),
        "Of each person's latest NPS answer in the window: % promoters (9-10) - %"
        " detractors (0-6).",
    ),
)
METRIC_KEYS: tuple[str, ...] = tuple(m.key for m in METRICS)
METRICS_BY_KEY: dict[str, MetricDef] = {m.key: m for m in METRICS}


@dataclass(frozen=True)
class CheckpointValue:
    """One checkpoint of a metric: its name, due date, scope, value there, target and status.

    The target is the metric's, except the default target of partners_onboarded, which is
    every dealer of the checkpoint's scope.
    """

    name: str
    due: date
    scope: Scope
    value: Decimal | None
    target: Decimal | None
    status: CheckpointStatus


@dataclass(frozen=True)
class MetricValue:
    """One row of the dashboard.

    ``baseline_period`` is the period the baseline was computed over (None for a manual one);
    ``target_source`` is "manual", "default" (from the baseline, or every dealer for
    partners_onboarded) or None (no target). ``detail`` holds the extra figures of a metric
    (e.g. partners_onboarded: first/last onboarding dates, span_days, in_period, dealers;
    confirm times: confirmed orders counted; nps: promoters, passives, detractors, answers)
    with plain JSON-friendly values (str, int, None).
    """

    key: str
    title_ru: str
    title_en: str
    unit: str
    direction: Direction
    baseline: Decimal | None
    baseline_source: BaselineSource | None
    baseline_period: Period | None
    checkpoints: list[CheckpointValue]
    target: Decimal | None
    target_source: Literal["manual", "default"] | None
    current: Decimal | None
    current_period: Period
    status: Status
    detail: dict[str, Any] = field(default_factory=dict)


# -- configuration -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckpointConfig:
    """A checkpoint: ``months`` after the launch date unless ``due`` is set by hand."""

    name: str
    scope: Scope
    months: int
    due: date | None = None


@dataclass(frozen=True)
class MetricConfig:
    """Per-metric settings; None means "use the default"."""

    baseline: Decimal | None = None  # manual baseline; overrides the baseline period
    target: Decimal | None = None  # manual target; overrides the default rule
    target_pct: Decimal | None = None  # the default move (relative % or points); 20 if None


DEFAULT_CHECKPOINTS: tuple[CheckpointConfig, ...] = (
    CheckpointConfig("pilot +3", "pilot", 3),
    CheckpointConfig("all +6", "all", 6),
    CheckpointConfig("all +12", "all", 12),
)


@dataclass(frozen=True)
class RolloutConfig:
    """Everything the admin can set for the dashboard (stored as JSON in admin_settings).

    ``launch_on``: the launch date (None: the start of the pilot wave). ``pilot_wave_id``: the
    pilot wave (None: the wave that starts first, ties by id). ``baseline_start``/
    ``baseline_end``: dates of the baseline period, end exclusive, in `zone` (None: the
    ``DEFAULT_BASELINE_DAYS`` before the launch date).
    """

    launch_on: date | None = None
    pilot_wave_id: int | None = None
    baseline_start: date | None = None
    baseline_end: date | None = None
    window_days: int = DEFAULT_WINDOW_DAYS
    checkpoints: tuple[CheckpointConfig, ...] = DEFAULT_CHECKPOINTS
    metrics: dict[str, MetricConfig] = field(default_factory=dict)

    def metric(self, key: str) -> MetricConfig:
        """The settings of one metric (defaults when none stored)."""
        return self.metrics.get(key, MetricConfig())


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def _dec(value: Any) -> Decimal | None:
    return Decimal(str(value)) if value is not None and value != "" else None


def config_to_json(config: RolloutConfig) -> str:
    """The configuration as the JSON text stored in admin_settings."""

    def plain(value: Any) -> Any:
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        return value

    return json.dumps(plain(asdict(config)), ensure_ascii=False, sort_keys=True)


def config_from_json(text: str | None) -> RolloutConfig:
    """Parse stored JSON (None or empty: the defaults). Unknown metric keys are dropped."""
    if not text:
        return RolloutConfig()
    data = json.loads(text)
    checkpoints = tuple(
        CheckpointConfig(
            name=str(c["name"]),
            scope="pilot" if c.get("scope") == "pilot" else "all",
            months=int(c.get("months", 0)),
            due=_date(c.get("due")),
        )
        for c in data.get("checkpoints", [asdict(c) for c in DEFAULT_CHECKPOINTS])
    )
    metrics = {
        key: MetricConfig(
            baseline=_dec(m.get("baseline")),
            target=_dec(m.get("target")),
            target_pct=_dec(m.get("target_pct")),
        )
        for key, m in (data.get("metrics") or {}).items()
        if key in METRICS_BY_KEY
    }
    return RolloutConfig(
        launch_on=_date(data.get("launch_on")),
        pilot_wave_id=data.get("pilot_wave_id"),
        baseline_start=_date(data.get("baseline_start")),
        baseline_end=_date(data.get("baseline_end")),
        window_days=int(data.get("window_days") or DEFAULT_WINDOW_DAYS),
        checkpoints=checkpoints,
        metrics=metrics,
    )


async def load_config(session: AsyncSession) -> RolloutConfig:
    """The stored configuration, or the defaults."""
    return config_from_json(await get_setting(session, CONFIG_KEY))


async def save_config(
    session: AsyncSession, config: RolloutConfig, *, staff_id: int | None = None
) -> None:
    """Validate and store the configuration (flushed, not committed).

    Errors (InvalidInput, nothing stored): rollout.bad_window (window_days outside 1..366),
    rollout.bad_baseline_period (one date without the other, or end not after start),
    rollout.bad_checkpoint (empty name, months outside 0..120), rollout.unknown_metric.
    """
    if not 1 <= config.window_days <= 366:
        raise InvalidInput("rollout.bad_window", window_days=config.window_days)
    if (config.baseline_start is None) != (config.baseline_end is None) or (
        config.baseline_start is not None
        and config.baseline_end is not None
        and config.baseline_end <= config.baseline_start
    ):
        raise InvalidInput("rollout.bad_baseline_period")
    for checkpoint in config.checkpoints:
        if not checkpoint.name.strip() or not 0 <= checkpoint.months <= 120:
            raise InvalidInput("rollout.bad_checkpoint", name=checkpoint.name)
    for key in config.metrics:
        if key not in METRICS_BY_KEY:
            raise InvalidInput("rollout.unknown_metric", metric=key)
    await set_setting(session, CONFIG_KEY, config_to_json(config), staff_id=staff_id)


# -- dates ---------------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's last day (Jan 31 + 1 = Feb 28/29)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - some day of every month exists


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The start of a local day, in UTC."""
    return datetime.combine(day, clock_time(0), zone).astimezone(UTC)


@dataclass(frozen=True)
class Launch:
    """The resolved launch date and pilot wave (after applying the configuration's defaults)."""

    launch_on: date | None
    pilot_wave_id: int | None


async def resolve_launch(session: AsyncSession, config: RolloutConfig) -> Launch:
    """The pilot wave (configured, else the first to start) and the launch date (configured,
    else the pilot wave's start). Both may be None when there are no waves yet."""
    pilot_id, starts_on = config.pilot_wave_id, None
    if pilot_id is None:
        row = (
            await session.execute(
                select(PilotWave.id, PilotWave.starts_on)
                .order_by(PilotWave.starts_on.is_(None), PilotWave.starts_on, PilotWave.id)
                .limit(1)
            )
        ).first()
        if row is not None:
            pilot_id, starts_on = row
    elif config.launch_on is None:
        starts_on = await session.scalar(
            select(PilotWave.starts_on).where(PilotWave.id == pilot_id)
        )
    return Launch(config.launch_on or starts_on, pilot_id)


def baseline_period(config: RolloutConfig, launch: Launch, zone: ZoneInfo) -> Period | None:
    """The configured baseline period, else the DEFAULT_BASELINE_DAYS before launch, else None."""
    if config.baseline_start is not None and config.baseline_end is not None:
        return Period(
            local_midnight(config.baseline_start, zone), local_midnight(config.baseline_end, zone)
        )
    if launch.launch_on is None:
        return None
    end = local_midnight(launch.launch_on, zone)
    return Period(end - timedelta(days=DEFAULT_BASELINE_DAYS), end)


def checkpoint_due(checkpoint: CheckpointConfig, launch: Launch) -> date | None:
    """A checkpoint's due date: set by hand, else launch + months; None without a launch."""
    if checkpoint.due is not None:
        return checkpoint.due
    if launch.launch_on is None:
        return None
    return add_months(launch.launch_on, checkpoint.months)


# -- targets and status --------------------------------------------------------------------------


def default_target(metric: MetricDef, baseline: Decimal | None, pct: Decimal) -> Decimal | None:
    """The baseline moved `pct` in the metric's direction (relative, or points for shares/NPS)."""
    if baseline is None:
        return None
    sign = 1 if metric.direction == "up" else -1
    if metric.target_mode == "points":
        value = baseline + sign * pct
        if metric.low is not None:
            value = max(value, metric.low)
        if metric.high is not None:
            value = min(value, metric.high)
    else:
        value = baseline * (1 + sign * pct / 100)
    return value.quantize(CENT)


def status_of(
    metric: MetricDef, value: Decimal | None, target: Decimal | None, *, manual: bool = True
) -> Status:
    """met / behind by the metric's direction; no_target when there is no target, or when the
    default target is 0 (a baseline of 0 moved by a percentage stays 0: no verdict can be
    given; a target of 0 entered by hand is kept); no_data when the value is missing."""
    if target is None or (target == 0 and not manual and metric.target_mode == "relative"):
        return "no_target"
    if value is None:
        return "no_data"
    reached = value >= target if metric.direction == "up" else value <= target
    return "met" if reached else "behind"


# -- a cache of closed windows ------------------------------------------------------------------


class WindowCache:
    """Figures of windows that ended before `now` (baseline, past checkpoints, past months),
    kept in memory for `ttl` seconds so that a dashboard viewed again does not recompute them.

    Optional (pass one to `rollout_dashboard` / `metric_series`; the admin keeps one per
    process). The current window is always computed. A closed window can still change when 1C
    reports an old order late or an old order is confirmed; such a change shows once the entry
    expires. Keys: the database, the filters, the window and the metric keys.
    """

    def __init__(self, ttl: float = 600.0, max_entries: int = 512) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[tuple[Any, ...], tuple[float, Any]] = {}
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple[Any, ...]) -> Any:
        """The stored value, or None when absent or expired."""
        entry = self._entries.get(key)
        if entry is None or time.monotonic() - entry[0] > self.ttl:
            self.misses += 1
            return None
        self.hits += 1
        return entry[1]

    def put(self, key: tuple[Any, ...], value: Any) -> None:
        """Store a value (the oldest entries go when full)."""
        if len(self._entries) >= self.max_entries:
            for old in sorted(self._entries, key=lambda k: self._entries[k][0])[
                : self.max_entries // 4 or 1
            ]:
                del self._entries[old]
        self._entries[key] = (time.monotonic(), value)

    def clear(self) -> None:
        """Forget everything (e.g. after the configuration or old data changed)."""
        self._entries.clear()


async def _window(
    session: AsyncSession,
    keys: tuple[str, ...],
    filters: MetricFilters,
    period: Period,
    now: datetime,
    cache: WindowCache | None,
) -> dict[str, tuple[Decimal | None, dict[str, Any]]]:
    """compute_metrics, through the cache when the window is closed (ends at or before now)."""
    from core.metrics.compute import compute_metrics

    if cache is None or period.end > now:
        return await compute_metrics(session, keys, filters, period)
    key = (str(session.get_bind().engine.url), filters, period, keys)
    values = cache.get(key)
    if values is None:
        values = await compute_metrics(session, keys, filters, period)
        cache.put(key, values)
    return dict(values)


# -- the dashboard -------------------------------------------------------------------------------


async def rollout_dashboard(
    session: AsyncSession,
    filters: MetricFilters = MetricFilters(),
    *,
    now: datetime,
    period: Period | None = None,
    zone: ZoneInfo | None = None,
    config: RolloutConfig | None = None,
    keys: tuple[str, ...] | None = None,
    cache: WindowCache | None = None,
) -> list[MetricValue]:
    """Every metric (or those in `keys`, in METRICS order) for the dealers the filters select.

    `now` is the moment the figures are for (aware); the current value is computed over
    `period` when given, else over the ``window_days`` before `now`. `zone` turns configured
    dates into moments (local midnight; UTC when None - pass the settings' zone). `config` is
    loaded from the database when None. Checkpoints are computed only once due (``due <=
    now``'s date); later ones are "pending" with no value. Reads only; nothing is written.
    With a `cache`, the baseline and the checkpoints (closed windows) come from it while fresh.
    """
    from core.metrics.compute import compute_metrics

    zone = zone or ZoneInfo("UTC")
    config = config or await load_config(session)
    wanted = [m for m in METRICS if keys is None or m.key in keys]
    wanted_keys = tuple(m.key for m in wanted)
    launch = await resolve_launch(session, config)
    current_period = period or Period(now - timedelta(days=config.window_days), now)
    current = await compute_metrics(session, wanted_keys, filters, current_period)
    base_period = baseline_period(config, launch, zone)
    computed_baseline = (
        await _window(session, wanted_keys, filters, base_period, now, cache)
        if base_period is not None
        else None
    )
    checkpoint_values: list[tuple[CheckpointConfig, date | None, dict[str, Any] | None]] = []
    for checkpoint in config.checkpoints:
        due = checkpoint_due(checkpoint, launch)
        if due is None or local_midnight(due, zone) > now:
            checkpoint_values.append((checkpoint, due, None))
            continue
        scoped = filters
        if checkpoint.scope == "pilot":
            if launch.pilot_wave_id is None or (
                filters.wave_id is not None and filters.wave_id != launch.pilot_wave_id
            ):
                checkpoint_values.append((checkpoint, due, {}))
                continue
            scoped = replace(filters, wave_id=launch.pilot_wave_id)
        end = local_midnight(due, zone)
        window = Period(end - timedelta(days=config.window_days), end)
        checkpoint_values.append(
            (checkpoint, due, await _window(session, wanted_keys, scoped, window, now, cache))
        )
    result = []
    for metric in wanted:
        settings = config.metric(metric.key)
        value, detail = current[metric.key]
        if settings.baseline is not None:
            baseline: Decimal | None = settings.baseline
            source: BaselineSource | None = "manual"
            shown_period: Period | None = None
        elif computed_baseline is not None:
            baseline = computed_baseline[metric.key][0]
            source = "period" if baseline is not None else None
            shown_period = base_period
        else:
            baseline, source, shown_period = None, None, None
        target_source: Literal["manual", "default"] | None
        if settings.target is not None:
            target: Decimal | None = settings.target
            target_source = "manual"
        elif metric.key == "partners_onboarded":
            dealers = detail.get("dealers")
            target = Decimal(dealers).quantize(CENT) if dealers else None
            target_source = "default" if target is not None else None
        else:
            pct = settings.target_pct if settings.target_pct is not None else DEFAULT_TARGET_PCT
            target = default_target(metric, baseline, pct)
            target_source = "default" if target is not None else None
        checkpoints = []
        for checkpoint, due, values in checkpoint_values:
            if due is None:
                continue
            if values is None:
                checkpoints.append(
                    CheckpointValue(checkpoint.name, due, checkpoint.scope, None, target, "pending")
                )
                continue
            point, point_detail = values.get(metric.key, (None, {}))
            point_target = target
            if metric.key == "partners_onboarded" and target_source == "default":
                dealers = point_detail.get("dealers")
                point_target = Decimal(dealers).quantize(CENT) if dealers else None
            state = status_of(metric, point, point_target, manual=target_source == "manual")
            checkpoints.append(
                CheckpointValue(checkpoint.name, due, checkpoint.scope, point, point_target, state)
            )
        result.append(
            MetricValue(
                key=metric.key,
                title_ru=metric.title_ru,
                title_en=metric.title_en,
                unit=metric.unit,
                direction=metric.direction,
                baseline=baseline,
                baseline_source=source,
                baseline_period=shown_period,
                checkpoints=checkpoints,
                target=target,
                target_source=target_source,
                current=value,
                current_period=current_period,
                status=status_of(metric, value, target, manual=target_source == "manual"),
                detail=detail,
            )
        )
    return result


@dataclass(frozen=True)
class SeriesPoint:
    """The value of a metric over one calendar month (local to the zone given)."""

    month: date  # the first day of the month
    period: Period
    value: Decimal | None


async def metric_series(
    session: AsyncSession,
    key: str,
    filters: MetricFilters = MetricFilters(),
    *,
    now: datetime,
    months: int = 12,
    zone: ZoneInfo | None = None,
    cache: WindowCache | None = None,
) -> list[SeriesPoint]:
    """The metric per calendar month for the last `months` months, the current one included
    (its period ends at `now`), oldest first; months are local to `zone` (UTC when None).

    The same rule as the dashboard, over each month instead of the window. Unknown `key`:
    InvalidInput("rollout.unknown_metric"). With a `cache`, finished months come from it.
    """
    if key not in METRICS_BY_KEY:
        raise InvalidInput("rollout.unknown_metric", metric=key)
    zone = zone or ZoneInfo("UTC")
    this_month = now.astimezone(zone).date().replace(day=1)
    points = []
    for back in range(months - 1, -1, -1):
        first = add_months(this_month, -back)
        start = local_midnight(first, zone)
        end = min(local_midnight(add_months(first, 1), zone), now)
        window = Period(start, max(start, end))
        value, _ = (await _window(session, (key,), filters, window, now, cache))[key]
        points.append(SeriesPoint(first, window, value))
    return points
