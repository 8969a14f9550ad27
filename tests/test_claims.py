"""The claims register, the audit engine, the generic checks and ``imtrade audit``.

Unit tests build their own registers (in tmp_path) and their own data (small frames served
through a monkeypatched :class:`imtrade.claims.CheckContext`); the values they compare
against are written here. Tests marked ``mirror`` run the real register on the fetched
offline data.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pandas as pd
import pytest
import yaml

from imtrade import claims as engine
from imtrade.claims import (
    CONTRADICTED,
    FAILED,
    INCONCLUSIVE,
    INVALID,
    NOT_CHECKABLE,
    PARTLY,
    PARTLY_CONTRADICTED,
    SUPPORTED,
    CheckContext,
    CheckResult,
    Claim,
    check,
)
from imtrade.claims.checks import generic
from imtrade.exceptions import ClaimsRegisterError, ImtradeError, UnknownIndicatorError

ROOT = Path(__file__).resolve().parents[1]


def data_fetched() -> bool:
    from imtrade.data.fetch import is_fetched

    try:
        return all(
            is_fetched(ds, v)
            for ds, v in (
                ("wdi", "2026-07-01"),
                ("wdi", "2018-08-01"),
                ("wb-bulk", "2026-02-24"),
                ("un-sdg", "2020-10-19"),
            )
        )
    except ImtradeError:
        return False


needs_data = pytest.mark.skipif(not data_fetched(), reason="the offline data are not fetched (make data)")


# ---------------------------------------------------------------------------------------
# Test checks (registered once; names start with test_)


@check("test_constant")
def _constant(claim, ctx, *, verdict: str = SUPPORTED, value: float = 1.0):
    return CheckResult(verdict, f"{value:g} units", f"Test: always {verdict}.", value)


@check("test_raises")
def _raises(claim, ctx):
    raise ZeroDivisionError("boom")


@check("test_imtrade_error")
def _imtrade_error(claim, ctx):
    raise ImtradeError("the table is malformed")


@check("test_missing_data")
def _missing_data(claim, ctx):
    raise UnknownIndicatorError("no indicator XYZ in wdi 2018-08-01")


@check("test_wrong_type")
def _wrong_type(claim, ctx):
    return "supported"


@check("test_bad_verdict")
def _bad_verdict(claim, ctx):
    return CheckResult("true", "x", "y")


def entry(**changes) -> dict:
    """A valid register entry (source text 000) with ``changes``."""
    base = {
        "id": "c000-test-claim",
        "source": "000_b8fe8f839984046f.txt",
        "section": "opening",
        "claim": "Something rose.",
        "kind": "qualitative",
        "claimed": {
            "value": None,
            "value_low": None,
            "relation": "increase",
            "unit": "% of GDP",
            "years": [2000, 2010],
            "geography": "World",
        },
        "measure": {"dataset": "wdi", "indicators": ["NE.EXP.GNFS.ZS"], "formula": "mean", "vintage": "default"},
        "tolerance": "Supported always.",
        "chapter": "trade_patterns",
        "check": "test_constant",
        "args": None,
        "not_checkable": None,
    }
    base.update(changes)
    return base


@pytest.fixture
def known_codes(monkeypatch):
    """Indicator validation against a fixed set of codes (no data needed)."""
    codes = {
        "wdi": {"NE.EXP.GNFS.ZS", "NY.GDP.MKTP.CD"},
        "wb-bulk": {"NV.IND.MANF.CD"},
        "curated": {"robot_installations.csv"},
    }
    monkeypatch.setattr(engine._KnownCodes, "_load", staticmethod(lambda ds: codes.get(ds, set())))
    monkeypatch.setattr(engine._KnownCodes, "datasets", lambda self: set(codes) | {"gapminder"})
    return codes


def write_register(folder: Path, *files: tuple[str, list | str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, entries in files:
        text = entries if isinstance(entries, str) else yaml.safe_dump(entries, sort_keys=False, allow_unicode=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def load(tmp_path, entries, name="000_test.yml") -> engine.Register:
    return engine.load_register(write_register(tmp_path / "claims", (name, entries)))


# ---------------------------------------------------------------------------------------
# The real register


@needs_data
@pytest.mark.mirror
def test_real_register_is_valid_apart_from_checks_not_yet_written():
    register = engine.load_register()
    assert len(register) >= 40
    sources = {c.source_id for c in register.claims} | {e["source"] for e in register.invalid}
    assert sources == {"000", "001", "002", "003", "004"}
    for key, issues in register.problems.items():
        for issue in issues:  # the only acceptable problem: a chapter's check is not merged yet
            assert "is not registered" in issue, f"{key}: {issue}"


def _missing() -> list[str]:
    try:
        return engine.missing_checks()
    except ImtradeError:
        return []


MISSING = _missing()


@pytest.mark.xfail(bool(MISSING), reason=f"check functions not written yet: {', '.join(MISSING)}", strict=False)
def test_every_entry_has_a_registered_check_or_a_reason():
    register = engine.load_register(validate_indicators=False)
    assert not register.problems, register.problems
    for claim in register.claims:
        assert claim.check or claim.not_checkable


def test_generic_checks_accept_every_argument_the_register_passes():
    checks = engine.registered_checks()
    for file in sorted((ROOT / "data" / "claims").glob("*.yml")):
        for raw in yaml.safe_load(file.read_text(encoding="utf-8")):
            if raw.get("check") in (
                "period_mean_comparison",
                "curated_figure_compare",
                "economy_rank",
                "forecast_attribution",
            ):
                assert not engine._args_problems(checks[raw["check"]], raw["check"], raw.get("args") or {}), raw["id"]


# ---------------------------------------------------------------------------------------
# Register validation: every bad input is a clear problem naming the entry


def test_valid_entry_loads(tmp_path, known_codes):
    register = load(tmp_path, [entry()])
    assert [c.id for c in register.claims] == ["c000-test-claim"] and register.problems == {}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"tolerance": None, "check": None, "not_checkable": None}, "neither a check function nor a reason"),
        ({"not_checkable": "no data"}, "both a check function and a not-checkable reason"),
        ({"check": "no_such_check"}, "check function 'no_such_check' is not registered"),
        (
            {"measure": {"dataset": "wdi", "indicators": ["NE.EXP.GNFS.ZZ"], "formula": "f", "vintage": "default"}},
            "unknown indicator 'NE.EXP.GNFS.ZZ'",
        ),
        (
            {"measure": {"dataset": "wdi", "indicators": ["wb-bulk:NOPE"], "formula": "f", "vintage": "default"}},
            "unknown indicator 'NOPE'",
        ),
        (
            {"measure": {"dataset": "curated", "indicators": ["robots.csv"], "formula": "f", "vintage": "r"}},
            "unknown indicator 'robots.csv'",
        ),
        (
            {"measure": {"dataset": "worldbank", "indicators": ["X"], "formula": "f", "vintage": "v"}},
            "measure.dataset 'worldbank'",
        ),
        ({"measure": {"dataset": "wdi", "indicators": ["NE.EXP.GNFS.ZS"]}}, "measure: missing field 'formula'"),
        ({"measure": None}, "needs a measure"),
        ({"tolerance": ""}, "needs a tolerance rule"),
        ({"args": {"colour": "red"}}, "args do not fit check 'test_constant'"),
        ({"args": {"max_verdict": "partly supported"}}, "args.max_verdict is no longer used"),
        ({"evidence": "hearsay"}, "evidence 'hearsay' is not one of direct, proxy, secondary, partial"),
        ({"evidence": "proxy"}, "the tolerance rule states no cap"),
        ({"tolerance": "At most partly supported (proxy). Partly if it rises."}, "declares no 'evidence'"),
        (
            {"evidence": "proxy", "tolerance": "At most partly supported (partial: one half). Partly if it rises."},
            "the tolerance rule states another cap",
        ),
        ({"kind": "anecdotal"}, "kind must be quantitative or qualitative"),
        ({"chapter": "robots"}, "unknown chapter 'robots'"),
        ({"source": "seed.txt"}, "must be a source text file name"),
        ({"claimed": {"value": "many", "relation": "lots"}}, "claimed.relation 'lots'"),
        ({"colour": "red"}, "unknown field 'colour'"),
    ],
)
def test_bad_entry_is_a_problem_naming_it(tmp_path, known_codes, changes, expected):
    register = load(tmp_path, [entry(), entry(**{"id": "c000-bad-claim", **changes})])
    assert [c.id for c in register.claims] == ["c000-test-claim"]  # the good entry still loads
    assert list(register.problems) == ["c000-bad-claim"]
    assert any(expected in p for p in register.problems["c000-bad-claim"]), register.problems


@pytest.mark.parametrize("field", engine.REQUIRED_FIELDS[1:])
def test_missing_field_is_named(tmp_path, known_codes, field):
    bad = entry(id="c000-bad-claim")
    del bad[field]
    register = load(tmp_path, [bad])
    assert f"missing field {field!r}" in register.problems["c000-bad-claim"]


@pytest.mark.parametrize(
    ("bad_id", "expected"),
    [("c001-test-claim", "does not match its source text 000"), ("Claim 1", "must look like c<NNN>")],
)
def test_bad_id_is_named(tmp_path, known_codes, bad_id, expected):
    register = load(tmp_path, [entry(id=bad_id)])
    assert any(expected in p for p in register.problems[bad_id])


def test_all_problems_of_an_entry_are_reported_at_once(tmp_path, known_codes):
    bad = entry(id="c000-bad-claim", kind="anecdotal", chapter="robots", check="nope")
    issues = load(tmp_path, [bad]).problems["c000-bad-claim"]
    assert len(issues) >= 3


def test_entry_without_id_is_named_by_file_and_position(tmp_path, known_codes):
    bad = entry()
    del bad["id"]
    register = load(tmp_path, [entry(), bad])
    assert len(register.problems) == 1 and next(iter(register.problems)).endswith("000_test.yml#2")


def test_duplicate_id_and_non_mapping_entry(tmp_path, known_codes):
    register = load(tmp_path, [entry(), entry(), "just text"])
    assert len(register.claims) == 1
    assert any("duplicate id" in p for ps in register.problems.values() for p in ps)
    assert any("not a mapping" in p for ps in register.problems.values() for p in ps)


def test_broken_yaml_file_does_not_stop_the_others(tmp_path, known_codes):
    folder = write_register(tmp_path / "claims", ("000_a.yml", [entry()]), ("001_b.yml", "- id: [unclosed\n"))
    register = engine.load_register(folder)
    assert [c.id for c in register.claims] == ["c000-test-claim"]
    assert any("not valid YAML" in p for ps in register.problems.values() for p in ps)


def test_entry_in_the_wrong_file(tmp_path, known_codes):
    register = load(tmp_path, [entry()], name="001_other.yml")
    assert any("is in the claims file of source text 001" in p for p in register.problems["c000-test-claim"])


def test_empty_register_folder_raises(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ClaimsRegisterError, match="no claims files"):
        engine.load_register(tmp_path / "empty")


def test_broken_check_module_is_listed_not_fatal(monkeypatch, tmp_path, known_codes):
    monkeypatch.setitem(engine._IMPORT_ERRORS, "imtrade.claims.checks.broken", "SyntaxError: invalid syntax")
    monkeypatch.setattr(engine, "registered_checks", lambda: dict(engine._CHECKS))
    register = load(tmp_path, [entry()])
    assert register.claims and "imtrade.claims.checks.broken" in register.problems


# ---------------------------------------------------------------------------------------
# Evaluation: verdicts, caps and failures


def claim(**changes) -> Claim:
    fields = {k: v for k, v in entry(**changes).items()}
    fields["args"] = fields.get("args") or {}
    return Claim(**fields)


CTX = CheckContext("2026-07-01")


def test_raising_check_fails_with_its_error_and_the_audit_goes_on():
    result = engine.evaluate(claim(check="test_raises"), CTX)
    assert result.verdict == FAILED and "ZeroDivisionError: boom" in result.detail


@pytest.mark.parametrize(
    ("name", "verdict", "text"),
    [
        ("test_imtrade_error", FAILED, "the table is malformed"),
        ("test_missing_data", NOT_CHECKABLE, "Data not available"),
        ("test_wrong_type", FAILED, "not a CheckResult"),
        ("test_bad_verdict", FAILED, "unknown verdict 'true'"),
    ],
)
def test_check_failures(name, verdict, text):
    result = engine.evaluate(claim(check=name), CTX)
    assert result.verdict == verdict and text in result.detail


def test_claim_without_check_is_not_checkable_with_its_reason():
    result = engine.evaluate(claim(check=None, not_checkable="Firm data only."), CTX)
    assert (result.verdict, result.detail) == (NOT_CHECKABLE, "Firm data only.")


@pytest.mark.parametrize(
    ("evidence", "found", "verdict"),
    [
        ("proxy", SUPPORTED, PARTLY),
        ("proxy", CONTRADICTED, PARTLY_CONTRADICTED),  # symmetric: a proxy cannot fully contradict either
        ("secondary", SUPPORTED, PARTLY),
        ("secondary", CONTRADICTED, PARTLY_CONTRADICTED),
        ("partial", SUPPORTED, PARTLY),
        ("partial", CONTRADICTED, CONTRADICTED),  # the tested part can still contradict the claim
        ("direct", SUPPORTED, SUPPORTED),
        ("direct", CONTRADICTED, CONTRADICTED),
    ],
)
def test_the_evidence_caps_the_verdict(evidence, found, verdict):
    result = engine.evaluate(claim(args={"verdict": found}, evidence=evidence), CTX)
    assert result.verdict == verdict
    assert (engine.CAP_NOTE in result.detail) == (verdict != found)


@pytest.mark.parametrize("found", [PARTLY, INCONCLUSIVE, PARTLY_CONTRADICTED, NOT_CHECKABLE])
def test_the_cap_leaves_verdicts_inside_the_scale_alone(found):
    result = engine.evaluate(claim(args={"verdict": found}, evidence="proxy"), CTX)
    assert result.verdict == found and engine.CAP_NOTE not in result.detail


def test_cap_rejects_an_unknown_kind_of_evidence():
    with pytest.raises(ValueError, match="evidence must be one of"):
        engine.cap(CheckResult(SUPPORTED, "x", "y"), "rumour")


def test_a_proxy_entry_loads_with_its_cap_stated(tmp_path, known_codes):
    proxy = entry(
        evidence="proxy", tolerance="At most partly supported or partly contradicted (proxy). Partly if it rises."
    )
    secondary = entry(
        id="c000-secondary",
        evidence="secondary",
        tolerance="At most partly supported or partly contradicted (secondary). Partly if it rises.",
    )
    register = load(tmp_path, [proxy, secondary])
    assert register.problems == {}
    assert [(c.evidence, c.capped) for c in register.claims] == [("proxy", True), ("secondary", True)]
    assert engine.cap_rule(proxy["tolerance"]) == "proxy" and engine.cap_rule(secondary["tolerance"]) == "secondary"
    assert engine.cap_rule("At most partly supported (partial: no series).") == "partial"
    assert engine.cap_rule("Supported if it rises.") is None


def test_every_verdict_has_a_meaning_and_the_scale_is_ordered():
    assert list(engine.VERDICT_MEANINGS) == list(engine.VERDICTS)
    assert engine.TESTED[0] == SUPPORTED and engine.TESTED[-1] == CONTRADICTED
    assert engine.TESTED[len(engine.TESTED) // 2] == INCONCLUSIVE and NOT_CHECKABLE not in engine.TESTED


def test_verdict_counts_phrase_follows_the_scale():
    phrase = engine.verdict_counts_phrase([CONTRADICTED, SUPPORTED, INCONCLUSIVE, SUPPORTED, FAILED])
    assert phrase == "2 supported, 1 inconclusive, 1 contradicted, 1 check failed"
    with pytest.raises(ValueError, match="not a verdict"):
        engine.verdict_counts_phrase(["true"])


def test_run_audit_lists_invalid_entries_and_failures_in_register_order(tmp_path, known_codes):
    entries = [
        entry(id="c000-a"),
        entry(id="c000-b", check="test_raises"),
        entry(id="c000-c", chapter="robots"),
        entry(id="c000-d", check=None, tolerance=None, not_checkable="No data."),
    ]
    register = load(tmp_path, entries)
    audit, problems = engine.run_audit("2026-07-01", register=register)
    assert list(audit["id"]) == ["c000-a", "c000-b", "c000-c", "c000-d"]
    assert list(audit["verdict"]) == [SUPPORTED, FAILED, INVALID, NOT_CHECKABLE]
    assert list(problems) == ["c000-c"]
    assert list(engine.failures(audit)["id"]) == ["c000-b", "c000-c"]
    counts = engine.summary_counts(audit)
    assert counts.loc["total", "total"] == 4 and counts.loc["000", FAILED] == 1


def test_run_audit_refuses_an_unknown_vintage():
    with pytest.raises(ImtradeError, match="no WDI vintage '1999-01-01'"):
        engine.run_audit("1999-01-01")


# ---------------------------------------------------------------------------------------
# Vintage comparison


def audit_frame(vintage: str, rows: list[tuple[str, str, str, float | None]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "id": i,
                "source": "000",
                "chapter": "trade_patterns",
                "claim": f"claim {i}",
                "measured": m,
                "verdict": v,
                "value": x,
                "vintage": vintage,
            }
            for i, v, m, x in rows
        ]
    )


def test_compare_audits_lists_verdict_and_value_changes_only():
    a = audit_frame(
        "V1",
        [
            ("c000-a", SUPPORTED, "3.0 %", 3.0),
            ("c000-b", SUPPORTED, "2.0 %", 2.0),
            ("c000-c", PARTLY, "1 %", 1.0),
            ("c000-d", NOT_CHECKABLE, "—", None),
            ("c000-e", SUPPORTED, "5 %", 5.0),
        ],
    )
    b = audit_frame(
        "V2",
        [
            ("c000-a", SUPPORTED, "3.0 %", 3.0),
            ("c000-b", SUPPORTED, "2.1 %", 2.1),
            ("c000-c", CONTRADICTED, "−1 %", -1.0),
            ("c000-d", NOT_CHECKABLE, "—", None),
            ("c000-f", SUPPORTED, "1 %", 1.0),
        ],
    )
    changes = engine.compare_audits(a, b)
    assert dict(zip(changes["id"], changes["change"], strict=True)) == {
        "c000-b": "measured value",
        "c000-c": "verdict",
        "c000-e": "only in V1",
        "c000-f": "only in V2",
    }
    assert {"measured_V1", "verdict_V1", "value_V1", "measured_V2", "verdict_V2", "value_V2"} <= set(changes.columns)


def test_compare_audits_of_one_vintage_is_refused():
    a = audit_frame("V1", [("c000-a", SUPPORTED, "3.0 %", 3.0)])
    with pytest.raises(ClaimsRegisterError, match="nothing to compare"):
        engine.compare_audits(a, a)


@needs_data
@pytest.mark.mirror
def test_compare_vintages_on_the_mirror_data():
    changes = engine.compare_vintages("2026-07-01", "2018-08-01")
    by_id = changes.set_index("id")
    # the 2018 vintage ends before 2018: the US GDP rank in 2018 cannot be computed there
    row = by_id.loc["c003-us-largest-economy"]
    assert (row["verdict_2026-07-01"], row["verdict_2018-08-01"], row["change"]) == (
        SUPPORTED,
        NOT_CHECKABLE,
        "verdict",
    )
    # the curated figures do not depend on the WDI vintage
    assert "c004-gii-2021-ranks" not in by_id.index and "c003-china-robot-sales-2020-forecast" not in by_id.index


# ---------------------------------------------------------------------------------------
# Generic checks on data the tests build (CheckContext monkeypatched)


@pytest.fixture
def served(monkeypatch):
    """Serve test frames through CheckContext: ``served.tidy`` (indicators), ``.tables``, ``.entities``."""

    class Data:
        def __init__(self) -> None:
            self.tidy = pd.DataFrame(columns=["dataset", "vintage", "indicator", "iso3", "year", "value"])
            self.tables: dict[str, pd.DataFrame] = {}
            self.entities = pd.DataFrame(columns=["iso3", "is_aggregate"])

    data = Data()

    def indicators(self, codes, countries=None, years=None, **kwargs):
        codes = [codes] if isinstance(codes, str) else list(codes)
        frame = data.tidy[data.tidy["indicator"].isin(codes)]
        if not len(frame):
            raise UnknownIndicatorError(f"no indicator {codes[0]} in the test data")
        if countries is not None:
            frame = frame[frame["iso3"].isin(list(countries))]
        if years is not None:
            lo, hi = years
            frame = frame[(frame["year"] >= lo) & (frame["year"] <= hi)]
        return frame.reset_index(drop=True)

    monkeypatch.setattr(CheckContext, "indicators", indicators)
    monkeypatch.setattr(CheckContext, "curated", lambda self, name: data.tables[name].copy())
    monkeypatch.setattr(
        CheckContext,
        "entities",
        lambda self, include_aggregates=True: (
            data.entities if include_aggregates else data.entities[~data.entities["is_aggregate"]]
        ),
    )
    return data


def tidy(code: str, geo: str, values: dict[int, float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "dataset": "test",
            "vintage": "test",
            "indicator": code,
            "iso3": geo,
            "year": list(values),
            "value": list(values.values()),
        }
    )


def growth(base: float, test: float, years=range(2000, 2020)) -> dict[int, float]:
    """Growth rates: ``base`` % in 2000-2007, ``test`` % from 2008 on."""
    return {y: (base if y <= 2007 else test) for y in years}


PMC = {"indicator": "GROWTH", "geo": "WLD", "base_years": [2000, 2007], "test_years": [2011, 2019]}


def run_pmc(served, values, **args):
    served.tidy = tidy("GROWTH", "WLD", values)
    return generic.period_mean_comparison(claim(), CTX, **{**PMC, **args})


@pytest.mark.parametrize(
    ("base", "test", "args", "verdict"),
    [
        (4.0, 3.0, {"min_gap": 0.5, "level_vs_trend": True}, SUPPORTED),  # 1 point lower, level below trend
        (4.0, 3.8, {"min_gap": 0.5, "level_vs_trend": True}, PARTLY),  # level below trend, gap too small
        (3.0, 4.0, {"min_gap": 0.5, "level_vs_trend": True}, CONTRADICTED),  # higher and above trend
        (4.0, 3.8, {"min_gap": 0.5}, PARTLY),  # right direction, wrong size
        (4.0, 1.0, {"min_gap": 2.0}, SUPPORTED),
        (4.0, 4.5, {"min_gap": 2.0}, CONTRADICTED),
        (3.0, 2.5, {"target": 2.4, "target_tol": 0.3}, SUPPORTED),  # below and near the claimed level
        (3.0, 2.0, {"target": 2.4, "target_tol": 0.3}, PARTLY),  # below, level off by 0.4
        (3.0, 3.5, {"target": 2.4, "target_tol": 0.3}, CONTRADICTED),  # neither
    ],
)
def test_period_mean_comparison_verdicts(served, base, test, args, verdict):
    result = run_pmc(served, growth(base, test), **args)
    assert result.verdict == verdict, result.detail
    assert "points" in result.measured and "2011–2019" in result.measured


def test_period_mean_comparison_values_and_sensitivity(served):
    result = run_pmc(served, growth(4.0, 3.0), min_gap=0.5, sensitivity_base_years=[2000, 2003])
    assert result.value == pytest.approx(-1.0)
    assert "2000–2003 baseline (4.00 %)" in result.detail
    targeted = run_pmc(served, growth(3.0, 2.5), target=2.4, target_tol=0.3)
    assert targeted.value == pytest.approx(2.5)


def test_period_mean_comparison_missing_years_are_not_checkable(served):
    values = growth(4.0, 3.0, years=range(2000, 2018))
    result = run_pmc(served, values, min_gap=0.5)
    assert result.verdict == NOT_CHECKABLE and "2018–2019" in result.measured


def test_period_mean_comparison_rejects_bad_arguments(served):
    served.tidy = tidy("GROWTH", "WLD", growth(4.0, 3.0))
    with pytest.raises(ClaimsRegisterError, match="direction"):
        generic.period_mean_comparison(claim(), CTX, **PMC, direction="sideways")
    with pytest.raises(ClaimsRegisterError, match="base_years"):
        generic.period_mean_comparison(claim(), CTX, **{**PMC, "base_years": [2007, 2000]})


def test_chained_level_vs_trend():
    steady = pd.Series(2.0, index=range(2000, 2020))
    assert generic.chained_level_vs_trend(steady, (2000, 2007), 2019) == pytest.approx(1.0)
    # 10 % a year in 2000-2001, then 0 % in 2002: the 2002 level is 1/1.1 of the trend
    jump = pd.Series({2000: 10.0, 2001: 10.0, 2002: 0.0})
    assert generic.chained_level_vs_trend(jump, (2000, 2001), 2002) == pytest.approx(1 / 1.1)


def curated_rows(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    for column in ("citation", "url", "accessed", "verified_primary", "note"):
        if column not in frame:
            frame[column] = {
                "citation": "Test publisher (2021)",
                "url": "https://example.org",
                "accessed": "2026-11-23",
                "verified_primary": "no",
                "note": "",
            }[column]
    return frame


TRADE = [
    {
        "year": 2020,
        "partner": "Africa",
        "flow": "total",
        "value": 100.0,
        "unit": "USD billion",
        "yoy_growth_pct": -10.0,
    },
    {"year": 2021, "partner": "Africa", "flow": "total", "value": 130.0, "unit": "USD billion", "yoy_growth_pct": 30.0},
    {"year": 2021, "partner": "Africa", "flow": "total", "value": 130.5, "unit": "USD billion", "yoy_growth_pct": 30.0},
]


@pytest.mark.parametrize(
    ("claimed", "growth_claim", "verdict"),
    [(130.0, 30.2, SUPPORTED), (133.0, 30.2, PARTLY), (130.0, 35.0, PARTLY), (150.0, 30.0, CONTRADICTED)],
)
def test_curated_figure_compare_level_and_growth(served, claimed, growth_claim, verdict):
    served.tables = {"trade": curated_rows(TRADE)}
    result = generic.curated_figure_compare(
        claim(),
        CTX,
        table="trade",
        year=2021,
        partner="Africa",
        flow="total",
        claimed=claimed,
        supported_tol_pct=1,
        partial_tol_pct=5,
        claimed_growth_pct=growth_claim,
        growth_tol=1.0,
        prev_year=2020,
    )
    assert result.verdict == verdict, result.detail
    assert "130 and 130.5 USD billion" in result.measured and "2 reports" in result.measured
    assert "implied by the 2020 figure 100: +30.0 % and +30.5 %" in result.detail


def test_curated_figure_compare_relative_to_the_claim(served):
    served.tables = {
        "robots": curated_rows(
            [
                {
                    "year": 2020,
                    "iso3": "CHN",
                    "measure": "installations",
                    "value": 75.0,
                    "unit": "units",
                    "report_edition": "World Robotics 2021",
                }
            ]
        )
    }
    args = dict(
        table="robots",
        iso3="CHN",
        year=2020,
        measure="installations",
        claimed=100.0,
        supported_tol_pct=10,
        partial_tol_pct=30,
    )
    by_claim = generic.curated_figure_compare(claim(), CTX, **args, relative_to="claimed")  # 75/100 - 1 = -25 %
    by_figure = generic.curated_figure_compare(claim(), CTX, **args)  # 100/75 - 1 = +33 %
    assert (by_claim.verdict, by_figure.verdict) == (PARTLY, CONTRADICTED)
    assert "−25.00 %" in by_claim.detail and "+33.33 %" in by_figure.detail


def test_curated_figure_compare_latest_final_edition(served):
    rows = [
        {"year": 2020, "iso3": "CHN", "measure": "installations", "value": v, "unit": "units", "report_edition": e}
        for v, e in (
            (160.0, "World Robotics 2021"),
            (167.0, "IFR preliminary China data (2022-07-06)"),
            (165.0, "World Robotics 2022"),
        )
    ]
    served.tables = {"robots": curated_rows(rows)}
    result = generic.curated_figure_compare(
        claim(),
        CTX,
        table="robots",
        iso3="CHN",
        year=2020,
        measure="installations",
        claimed=165.0,
        supported_tol_pct=1,
        partial_tol_pct=5,
    )
    assert result.value == 165.0 and "World Robotics 2022" in result.measured and result.verdict == SUPPORTED


def test_curated_figure_compare_without_a_row_is_not_checkable(served):
    served.tables = {"trade": curated_rows(TRADE)}
    result = generic.curated_figure_compare(
        claim(), CTX, table="trade", year=2019, partner="Africa", claimed=1.0, supported_tol_pct=1, partial_tol_pct=5
    )
    assert result.verdict == NOT_CHECKABLE and "no row" in result.detail


def test_curated_figure_compare_unknown_column_raises(served):
    served.tables = {"trade": curated_rows(TRADE)}
    with pytest.raises(ClaimsRegisterError, match="no column 'iso3'"):
        generic.curated_figure_compare(
            claim(), CTX, table="trade", iso3="CHN", claimed=1.0, supported_tol_pct=1, partial_tol_pct=5
        )


@pytest.mark.parametrize(("value", "verdict"), [(55.0, SUPPORTED), (50.0, PARTLY), (40.0, CONTRADICTED)])
def test_curated_figure_compare_threshold(served, value, verdict):
    served.tables = {"gvc": curated_rows([{"year": None, "measure": "gvc_share", "value": value, "unit": "percent"}])}
    over_half = claim(
        claimed={"value": 50, "value_low": None, "relation": ">", "unit": "%", "year": None, "geography": "World"}
    )
    result = generic.curated_figure_compare(
        over_half, CTX, table="gvc", measure="gvc_share", claimed=50, partial_min=45
    )
    assert result.verdict == verdict and "no reference year" in result.measured


RANKS = [
    {"edition_year": 2021, "iso3": c, "rank": r, "economies_ranked": 132}
    for c, r in (("CHN", 12), ("IND", 46), ("VNM", 44))
]


@pytest.mark.parametrize(
    ("ranks", "verdict"),
    [
        ({"CHN": 12, "IND": 46}, SUPPORTED),
        ({"CHN": 12, "IND": 48}, PARTLY),
        ({"CHN": 12, "IND": 40}, CONTRADICTED),
        ({"CHN": 12, "PHL": 51}, PARTLY),
        ({"PHL": 51}, NOT_CHECKABLE),
    ],
)
def test_curated_figure_compare_ranks(served, ranks, verdict):
    served.tables = {"gii": curated_rows(RANKS)}
    result = generic.curated_figure_compare(
        claim(), CTX, table="gii", edition_year=2021, ranks=ranks, partial_tol_places=2
    )
    assert result.verdict == verdict, result.detail
    if verdict != NOT_CHECKABLE:
        assert "(of 132)" in result.measured


ECONOMIES = pd.DataFrame(
    {"iso3": ["USA", "CHN", "JPN", "DEU", "IND", "WLD", "HIC"], "is_aggregate": [False] * 5 + [True] * 2}
)
GDP = {"USA": 20.0e12, "CHN": 14.0e12, "JPN": 5.0e12, "DEU": 4.0e12, "IND": 2.7e12, "WLD": 86.0e12, "HIC": 55.0e12}


@pytest.fixture
def ranked(served):
    served.entities = ECONOMIES
    served.tidy = pd.concat(
        [tidy("NY.GDP.MKTP.CD", c, {2018: v}) for c, v in GDP.items()]
        + [tidy("NY.GDP.MKTP.PP.CD", c, {2018: v * (2 if c in ("CHN", "IND") else 1)}) for c, v in GDP.items()]
    )
    return served


@pytest.mark.parametrize(
    ("countries", "max_rank", "partial", "verdict", "worst"),
    [
        (["USA"], 1, None, SUPPORTED, 1),
        (["CHN"], 1, None, CONTRADICTED, 2),
        (["JPN", "DEU", "IND"], 4, 2, PARTLY, 5),
        (["JPN", "DEU", "IND"], 3, 2, CONTRADICTED, 5),
    ],
)
def test_economy_rank_verdicts(ranked, countries, max_rank, partial, verdict, worst):
    result = generic.economy_rank(
        claim(),
        CTX,
        measure="gdp_current_usd",
        year=2018,
        countries=countries,
        max_rank=max_rank,
        partial_min_count=partial,
    )
    assert result.verdict == verdict and result.value == worst
    assert "of 5 economies" in result.measured  # WLD and HIC are aggregates, not ranked


def test_economy_rank_reports_ppp_and_names_the_leader(ranked):
    result = generic.economy_rank(
        claim(), CTX, measure="gdp_current_usd", year=2018, countries=["CHN"], max_rank=1, report_ppp=True
    )
    assert "1st: USA (20.0 tn US$)" in result.measured
    assert "at PPP: CHN 1st" in result.detail


def test_economy_rank_without_values_is_not_checkable(ranked):
    result = generic.economy_rank(claim(), CTX, measure="gdp_current_usd", year=2018, countries=["FRA"], max_rank=1)
    assert result.verdict == NOT_CHECKABLE


def test_economy_rank_unknown_measure_fails_clearly(ranked):
    result = engine.evaluate(
        claim(check="economy_rank", args={"measure": "happiness", "year": 2018, "countries": ["USA"], "max_rank": 1}),
        CTX,
    )
    assert result.verdict == FAILED and "unknown rank measure 'happiness'" in result.detail


# ---------------------------------------------------------------------------------------
# imtrade audit


@pytest.fixture
def small_register(tmp_path, monkeypatch, known_codes):
    """The CLI audits a register the test writes (valid entries only unless told otherwise)."""

    def use(entries):
        register = load(tmp_path, entries)
        monkeypatch.setattr(engine, "load_register", lambda *a, **k: register)
        return register

    return use


def invoke(*args, tmp_path):
    from click.testing import CliRunner

    from imtrade.cli import main

    runner = CliRunner()
    return runner.invoke(main, ["audit", *args], catch_exceptions=False)


def test_cli_clean_register_exits_zero_and_writes_each_format(small_register, tmp_path):
    small_register([entry(id="c000-a"), entry(id="c000-b", args={"verdict": CONTRADICTED, "value": 2.0})])
    table = invoke("-o", str(tmp_path / "a.txt"), tmp_path=tmp_path)
    assert table.exit_code == 0, table.output
    assert "[supported] c000-a" in table.output and "[contradicted] c000-b" in table.output
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") in table.output
    legend = table.output[table.output.index("\nVerdicts\n") :]  # the legend: every verdict and the proxy rule
    assert all(f"  {v} " in legend for v in engine.VERDICTS) and "partly contradicted" in legend
    as_csv = invoke("--format", "csv", "-o", str(tmp_path / "a.csv"), tmp_path=tmp_path)
    frame = pd.read_csv(tmp_path / "a.csv")
    assert as_csv.exit_code == 0 and list(frame["verdict"]) == [SUPPORTED, CONTRADICTED]
    as_json = invoke("--format", "json", "-o", str(tmp_path / "a.json"), tmp_path=tmp_path)
    payload = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    assert (
        as_json.exit_code == 0
        and payload["summary"][SUPPORTED] == 1
        and payload["summary"][INCONCLUSIVE] == 0
        and set(payload["verdicts"]) == set(engine.VERDICTS)
        and payload["problems"] == {}
        and payload["failed_checks"] == []
    )
    assert {d["dataset"] for d in payload["datasets"]} >= {"wdi", "curated"}


def test_cli_register_problem_exits_one_lists_it_and_audits_the_rest(small_register, tmp_path):
    small_register([entry(id="c000-a"), entry(id="c000-bad", chapter="robots")])
    result = invoke("--format", "csv", "-o", str(tmp_path / "a.csv"), tmp_path=tmp_path)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "c000-bad" in result.stderr and "unknown chapter 'robots'" in result.stderr
    frame = pd.read_csv(tmp_path / "a.csv")
    assert dict(zip(frame["id"], frame["verdict"], strict=True)) == {"c000-a": SUPPORTED, "c000-bad": INVALID}


def test_cli_failed_check_exits_one(small_register, tmp_path):
    small_register([entry(id="c000-a"), entry(id="c000-b", check="test_raises")])
    result = invoke("-o", str(tmp_path / "a.txt"), tmp_path=tmp_path)
    assert result.exit_code == 1 and "Failed checks (1)" in result.stderr and "ZeroDivisionError" in result.stderr


def test_cli_compare(small_register, tmp_path, monkeypatch):
    small_register([entry(id="c000-a"), entry(id="c000-b")])
    real = engine.run_audit

    def by_vintage(vintage=None, chapter=None, *, register=None):  # the 2018 vintage measures c000-b differently
        audit, problems = real(vintage, chapter, register=register)
        if vintage == "2018-08-01":
            audit.loc[audit["id"] == "c000-b", ["verdict", "measured", "value"]] = [PARTLY, "2 units", 2.0]
        return audit, problems

    monkeypatch.setattr(engine, "run_audit", by_vintage)
    result = invoke(
        "--compare", "2026-07-01", "2018-08-01", "--format", "json", "-o", str(tmp_path / "c.json"), tmp_path=tmp_path
    )
    assert result.exit_code == 0, result.output
    payload = json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))
    assert payload["vintages"] == ["2026-07-01", "2018-08-01"]
    assert [c["id"] for c in payload["changes"]] == ["c000-b"] and payload["changes"][0]["change"] == "verdict"
    text = invoke("--compare", "2026-07-01", "2018-08-01", "-o", str(tmp_path / "c.txt"), tmp_path=tmp_path)
    assert "1 of 2 (1 with another verdict)" in text.output


def test_cli_default_output_is_under_build_audit(small_register, tmp_path, monkeypatch):
    from imtrade.paths import ProjectPaths

    small_register([entry(id="c000-a")])
    monkeypatch.setattr(ProjectPaths, "build", property(lambda self: tmp_path / "_build"))
    result = invoke("--format", "json", tmp_path=tmp_path)
    assert result.exit_code == 0
    assert (tmp_path / "_build" / "audit" / "audit-2026-07-01.json").is_file()


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--vintage", "1999-01-01"], 1, "no WDI vintage '1999-01-01'"),
        (["--chapter", "robots"], 2, "unknown chapter 'robots'"),
        (["--compare", "2026-07-01", "2026-07-01"], 2, "the two vintages are the same"),
        (["--format", "xml"], 2, "xml"),
        (["--vintage", "2026-07-01", "--compare", "2026-07-01", "2018-08-01"], 2, "not both"),
    ],
)
def test_cli_bad_options_are_clear_errors(small_register, tmp_path, args, code, message):
    small_register([entry(id="c000-a")])
    result = invoke(*args, tmp_path=tmp_path)
    assert result.exit_code == code and message in result.output and "Traceback" not in result.output


@needs_data
@pytest.mark.mirror
def test_cli_audits_the_real_register_on_the_mirror_data(tmp_path):
    result = invoke("--format", "json", "-o", str(tmp_path / "audit.json"), tmp_path=tmp_path)
    assert result.exit_code in (0, 1)  # 1 while chapters' checks are missing (listed as problems)
    payload = json.loads((tmp_path / "audit.json").read_text(encoding="utf-8"))
    claims = payload["claims"]
    assert len(claims) >= 40 and {c["source"] for c in claims} == {"000", "001", "002", "003", "004"}
    assert all(c["check"] or c["verdict"] == NOT_CHECKABLE for c in claims if c["verdict"] != INVALID)
    assert payload["failed_checks"] == []
    by_id = {c["id"]: c for c in claims}
    # generic checks on the real data (values from the mirror's WDI 2026-07-01 and data/curated/)
    assert by_id["c004-gii-2021-ranks"]["verdict"] == SUPPORTED
    # attribution apart from outcome: IFR's 15-20 % a year implies up to 238,326 (capped: the release is a repost) ...
    assert by_id["c003-china-robot-sales-2020-forecast"]["verdict"] == PARTLY
    assert by_id["c003-china-robot-sales-2020-outcome"]["verdict"] == CONTRADICTED  # ... 168,400 realised vs 238,000
    assert by_id["c004-china-latam-trade-2021"]["verdict"] == PARTLY  # capped: secondary source
    assert by_id["c004-china-latam-trade-2021"]["evidence"] == "secondary"
    assert by_id["c004-manufacturing-strength-covid-resilience"]["verdict"] == INCONCLUSIVE  # a null result
    assert by_id["c003-us-largest-economy"]["verdict"] == SUPPORTED
    chapter = invoke("--chapter", "partnir", "--format", "csv", "-o", str(tmp_path / "p.csv"), tmp_path=tmp_path)
    assert set(pd.read_csv(tmp_path / "p.csv")["chapter"]) == {"partnir"} and chapter.exit_code in (0, 1)


# ---------------------------------------------------------------------------------------
# Chapter verdict tables


def test_verdict_table_links_to_the_audit_appendix(small_register, monkeypatch):
    small_register([entry(id="c000-a"), entry(id="c000-b", chapter="partnir")])
    monkeypatch.setattr(engine, "run_audit", lambda vintage=None, chapter=None, *, register=None: _audit_of(chapter))
    table = engine.verdict_table("trade_patterns", links=True)
    assert list(table.columns) == ["Claim (paraphrased)", "Claimed", "Measured", "Verdict", "Test and result", "Audit"]
    assert table["Audit"].iloc[0] == '<a href="claims_audit.html#claim-c000-a">c000-a</a>'
    assert "Audit" not in engine.verdict_table("trade_patterns", links=False).columns


def _audit_of(chapter):
    rows = [
        {
            "id": "c000-a",
            "source": "000",
            "chapter": "trade_patterns",
            "section": "s",
            "kind": "qualitative",
            "claim": "c",
            "claimed": "x",
            "measured": "1 units",
            "verdict": SUPPORTED,
            "detail": "d",
            "value": 1.0,
            "check": "test_constant",
            "tolerance": "t",
            "vintage": "V",
        }
    ]
    frame = pd.DataFrame(rows, columns=engine.AUDIT_COLUMNS)
    return frame[frame["chapter"] == chapter] if chapter else frame, {}


def test_register_conventions_are_documented():
    header = (ROOT / "data" / "claims" / "000_trade_patterns.yml").read_text(encoding="utf-8").split("\n- id:")[0]
    assert "at most partly supported" in textwrap.dedent(header).lower()


# ---------------------------------------------------------------------------------------
# forecast_attribution: did the forecaster publish the forecast? (not: did it come true)


def forecast_rows(own: list[dict], others: list[dict] = ()) -> pd.DataFrame:
    base = {"forecast_year": 2020, "geography": "China", "iso3": "CHN", "measure": "installations", "unit": "units"}
    rows = [{**base, "value": None, "cagr_pct": None, "cagr_period": "", "made_in_year": 2017, **r} for r in own]
    rows += [{**base, "value": None, "cagr_pct": None, "cagr_period": "", "made_in_year": 2018, **r} for r in others]
    return curated_rows(rows)


BASE_2017 = [
    {
        "year": 2017,
        "iso3": "CHN",
        "measure": "installations",
        "value": 100.0,
        "unit": "units",
        "report_edition": "WR 2018",
    }
]
ATTRIBUTED = [{"forecaster": "Blog", "value": 200.0}]


@pytest.mark.parametrize(
    ("own", "claimed", "verdict"),
    [
        ([{"forecaster": "IFR", "value": 203.0}], 200.0, SUPPORTED),  # a published level within 5 %
        ([{"forecaster": "IFR", "value": 250.0}], 200.0, CONTRADICTED),
        # growth rates only: 100 x 1.2^3 = 172.8 to 100 x 1.3^3 = 219.7
        ([{"forecaster": "IFR", "cagr_pct": 20.0}, {"forecaster": "IFR", "cagr_pct": 30.0}], 200.0, PARTLY),
        ([{"forecaster": "IFR", "cagr_pct": 20.0}, {"forecaster": "IFR", "cagr_pct": 30.0}], 240.0, CONTRADICTED),
    ],
)
def test_forecast_attribution_of_a_level(served, own, claimed, verdict):
    served.tables = {"forecasts": forecast_rows(own, ATTRIBUTED), "robots": curated_rows(BASE_2017)}
    result = generic.forecast_attribution(
        claim(),
        CTX,
        table="forecasts",
        forecaster="IFR",
        iso3="CHN",
        forecast_year=2020,
        measure="installations",
        claimed_value=claimed,
        level_tol_pct=5,
        base_table="robots",
        base_year=2017,
    )
    assert result.verdict == verdict, result.detail
    assert "Blog: 200 units" in result.detail  # attributed by others: listed, not counted
    assert "separate claim" in result.detail
    if len(own) == 2:
        assert "172.8 to 219.7" in result.detail


@pytest.mark.parametrize(
    ("claimed", "verdict"), [(17.0, SUPPORTED), (21.0, SUPPORTED), (22.0, PARTLY), (25.0, CONTRADICTED)]
)
def test_forecast_attribution_of_a_growth_rate(served, claimed, verdict):
    own = [{"forecaster": "IFR", "cagr_pct": 15.0}, {"forecaster": "IFR", "cagr_pct": 20.0}]
    served.tables = {"forecasts": forecast_rows(own)}
    result = generic.forecast_attribution(
        claim(),
        CTX,
        table="forecasts",
        forecaster="IFR",
        iso3="CHN",
        forecast_year=2020,
        measure="installations",
        claimed_cagr=claimed,
        growth_tol=1,
        partial_growth_tol=3,
    )
    assert result.verdict == verdict, result.detail


def test_forecast_attribution_without_a_release_is_not_checkable(served):
    served.tables = {"forecasts": forecast_rows([], ATTRIBUTED)}
    result = generic.forecast_attribution(
        claim(),
        CTX,
        table="forecasts",
        forecaster="IFR",
        iso3="CHN",
        forecast_year=2020,
        measure="installations",
        claimed_value=200.0,
    )
    assert result.verdict == NOT_CHECKABLE and "records no release of IFR" in result.detail
    with pytest.raises(ClaimsRegisterError, match="exactly one of"):
        generic.forecast_attribution(
            claim(), CTX, forecaster="IFR", iso3="CHN", forecast_year=2020, measure="installations"
        )
    assert generic.implied_level(100.0, 10.0, 2) == pytest.approx(121.0)
