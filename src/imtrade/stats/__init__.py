"""The book's statistics, one implementation each (re-exports only; see the submodules).

- :mod:`~imtrade.stats.bootstrap`: the AR(1) sieve bootstrap (seeded, vectorised over draws);
- :mod:`~imtrade.stats.trend`: linear and log-linear trend fits and their projections;
- :mod:`~imtrade.stats.breaks`: Chow, sup-F and broken-trend tests for a trend break, several breaks
  (Bai-Perron), size and power simulations;
- :mod:`~imtrade.stats.regression`: coefficient summaries, prediction bands, fixed effects, HC3;
- :mod:`~imtrade.stats.changes`: changes, percent changes, growth rates and indices of a series;
- :mod:`~imtrade.stats.aggregates`: weighted group means, revealed comparative advantage, ranks.

Every public function documents its formula and a reference in a numpydoc *Notes* section.
"""

from imtrade.stats.aggregates import balassa_rca, latest_within, rank_economies, weighted_mean
from imtrade.stats.bootstrap import (
    BOOT_REPS,
    BOOT_SEED,
    ar1_bootstrap_errors,
    ar1_coefficient,
    ar1_mean_map,
    basic_interval,
    coefficient_deviations,
    exceedance_pvalue,
    generator,
    ols_with_draws,
    raw_ar1_coefficient,
    trend_design,
)
from imtrade.stats.breaks import (
    SUP_F_CRITICAL_15,
    SUP_F_TRIM,
    BrokenTrend,
    ChowResult,
    MultipleBreaks,
    Recovery,
    SlopeChange,
    SupFResult,
    break_summary,
    broken_trend,
    chow_break_test,
    chow_f_statistics,
    chow_size_simulation,
    combination_interval,
    multiple_breaks,
    power_at,
    recovery,
    rejection_rates,
    sup_f_scan,
)
from imtrade.stats.changes import cagr, change_between, compound, index_to, percent_change, series_cagr
from imtrade.stats.regression import (
    Coefficient,
    OLSResult,
    PanelEstimate,
    QuadraticPeak,
    coefficient,
    coefficient_table,
    long_difference,
    ols_hc3,
    prediction_frame,
    quadratic_peak,
    spearman,
    two_way_fixed_effects,
    within_between_sd,
)
from imtrade.stats.trend import TooFewObservations, TrendFit, clean_series, fit_trend, predict_trend, to_growth

__all__ = [
    "BOOT_REPS",
    "BOOT_SEED",
    "SUP_F_CRITICAL_15",
    "SUP_F_TRIM",
    "BrokenTrend",
    "ChowResult",
    "Coefficient",
    "MultipleBreaks",
    "OLSResult",
    "PanelEstimate",
    "QuadraticPeak",
    "Recovery",
    "SlopeChange",
    "SupFResult",
    "TooFewObservations",
    "TrendFit",
    "ar1_bootstrap_errors",
    "ar1_coefficient",
    "ar1_mean_map",
    "balassa_rca",
    "basic_interval",
    "break_summary",
    "broken_trend",
    "cagr",
    "change_between",
    "chow_break_test",
    "chow_f_statistics",
    "chow_size_simulation",
    "clean_series",
    "coefficient",
    "coefficient_deviations",
    "coefficient_table",
    "combination_interval",
    "compound",
    "exceedance_pvalue",
    "fit_trend",
    "generator",
    "index_to",
    "latest_within",
    "long_difference",
    "multiple_breaks",
    "ols_hc3",
    "ols_with_draws",
    "percent_change",
    "power_at",
    "predict_trend",
    "prediction_frame",
    "quadratic_peak",
    "rank_economies",
    "raw_ar1_coefficient",
    "recovery",
    "rejection_rates",
    "series_cagr",
    "spearman",
    "sup_f_scan",
    "to_growth",
    "trend_design",
    "two_way_fixed_effects",
    "weighted_mean",
    "within_between_sd",
]
