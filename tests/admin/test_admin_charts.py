"""Charts (matplotlib SVG): no metadata, every bar whole with its figure, Russian labels,
the running month marked as incomplete."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from admin.metrics_figures import heatmap_svg, progress_svg, series_svg
from core.metrics.rollout import METRICS_BY_KEY, MetricValue, Period

D = Decimal
NOW = datetime(2026, 12, 2, tzinfo=UTC)


def _metric(key: str, baseline: str, target: str, current: str) -> MetricValue:
    m = METRICS_BY_KEY[key]
    return MetricValue(
        key=m.key,
        title_ru=m.title_ru,
        title_en=m.title_en,
        unit=m.unit,
        direction=m.direction,
        baseline=D(baseline),
        baseline_source="period",
        baseline_period=None,
        checkpoints=[],
        target=D(target),
        target_source="default",
        current=D(current),
        current_period=Period(NOW, NOW),
        status="met",
    )


def test_progress_bars_are_whole_and_carry_their_figure() -> None:
    svg = progress_svg(
        [
            _metric("avg_order_value", "1000", "1200", "3000"),  # 1 000 % of the way
            _metric("confirm_median_min", "10", "8", "30"),  # -1 000 %
        ]
    )
    assert "<metadata" not in svg and "Matplotlib v" not in svg
    assert "Средний чек" in svg
    # The figures are drawn as text (paths): each bar has its label glyphs; the axis was widened
    # instead of clipping at 200 %.
    assert svg.count('<g id="text_') >= 4


def test_series_marks_the_running_month_and_heatmap_has_no_metadata() -> None:
    svg = series_svg(
        "Доля заказов через бот, % (больше — лучше)",
        [("окт. 26", D("40")), ("нояб. 26", D("45")), ("дек. 26", D("5"))],
        D("30"),
        D("50"),
        partial=True,
    )
    assert "<metadata" not in svg
    assert "неполный месяц" in svg  # matplotlib keeps each text as a comment beside its glyphs
    heat = heatmap_svg([[0] * 24 for _ in range(7)], "Заказы")
    assert "<metadata" not in heat and "2026-" not in heat
