"""Rollout metrics: the seed's figures against a baseline, checkpoints and targets."""

from core.metrics.rollout import (
    METRIC_KEYS,
    METRICS,
    METRICS_BY_KEY,
    CheckpointConfig,
    CheckpointValue,
    MetricConfig,
    MetricDef,
    MetricFilters,
    MetricValue,
    Period,
    RolloutConfig,
    SeriesPoint,
    load_config,
    metric_series,
    rollout_dashboard,
    save_config,
)

__all__ = [
    "METRICS",
    "METRICS_BY_KEY",
    "METRIC_KEYS",
    "CheckpointConfig",
    "CheckpointValue",
    "MetricConfig",
    "MetricDef",
    "MetricFilters",
    "MetricValue",
    "Period",
    "RolloutConfig",
    "SeriesPoint",
    "load_config",
    "metric_series",
    "rollout_dashboard",
    "save_config",
]
