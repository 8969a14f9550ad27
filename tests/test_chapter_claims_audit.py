"""The appendix "Claims audit": its functions on audits the tests build, and its execution."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib
import pandas as pd
import pytest
from conftest import run_chapter

from imtrade.chapters import claims_audit as chapter
from imtrade.claims import (
    AUDIT_COLUMNS,
    CAP_NOTE,
    CONTRADICTED,
    FAILED,
    INCONCLUSIVE,
    INVALID,
    NOT_CHECKABLE,
    PARTLY,
    PARTLY_CONTRADICTED,
    SUPPORTED,
    VERDICTS,
)
from imtrade.exceptions import ImtradeError, ParameterError

matplotlib.use("Agg")
ROOT = Path(__file__).resolve().parents[1]


def data_fetched() -> bool:
    from imtrade.data.fetch import is_fetched

    try:
        return all(
            is_fetched(ds, v) for ds, v in (("wdi", "2026-07-01"), ("wdi", "2018-08-01"), ("wb-bulk", "2026-02-24"))
        )
    except ImtradeError:
        return False


needs_data = pytest.mark.skipif(not data_fetched(), reason="the offline data are not fetched (make data)")


def row(
    i: str,
    source: str,
    verdict: str,
    *,
    chapter_name: str = "trade_patterns",
    kind: str = "quantitative",
    measured: str = "1 %",
    detail: str = "Test: x.",
    value: float | None = 1.0,
    check: str = "test_constant",
    vintage: str = "V1",
    evidence: str = "direct",
) -> dict:
    return {
        "id": i,
        "source": source,
        "chapter": chapter_name,
        "section": "s",
        "kind": kind,
        "claim": f"Claim {i}.",
        "claimed": "2 %",
        "measured": measured,
        "verdict": verdict,
        "detail": detail,
        "value": value,
        "check": check,
        "tolerance": "t",
        "evidence": evidence,
        "vintage": vintage,
    }


def audit(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=AUDIT_COLUMNS)


AUDIT = audit(
    [
        row("c000-a", "000", SUPPORTED),
        row("c000-b", "000", PARTLY, detail=f"Test: y. {CAP_NOTE} 'partly supported' because the measure is a proxy."),
        row("c000-c", "000", INCONCLUSIVE, detail="Test: no significant association."),
        row("c001-c", "001", PARTLY_CONTRADICTED, chapter_name="deglobalisation", evidence="proxy"),
        row("c001-a", "001", CONTRADICTED, chapter_name="deglobalisation", kind="qualitative"),
        row("c001-b", "001", CONTRADICTED, chapter_name="deglobalisation"),
        row("c003-a", "003", CONTRADICTED, chapter_name="china_roadmap"),
        row(
            "c004-a",
            "004",
            NOT_CHECKABLE,
            chapter_name="partnir",
            measured="—",
            detail="Firm data only.",
            check="",
            value=None,
        ),
    ]
)


# ---------------------------------------------------------------------------------------
# Parameters


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"vintage": "2026-07-01", "compare_vintage": "2026-07-01"}, "two different vintages"),
        ({"vintage": "1999", "compare_vintage": "2018-08-01"}, "unknown WDI vintage '1999'"),
        ({"vintage": "2026-07-01", "compare_vintage": "latest"}, "'compare_vintage'"),
    ],
)
def test_check_parameters_refuses(params, message):
    with pytest.raises(ParameterError, match=message):
        chapter.check_parameters(params)


def test_check_parameters_accepts_the_defaults_and_the_swap():
    chapter.check_parameters({"vintage": "2026-07-01", "compare_vintage": "2018-08-01"})
    chapter.check_parameters({"vintage": "2018-08-01", "compare_vintage": "2026-07-01"})


# ---------------------------------------------------------------------------------------
# Counts and sentences


def test_verdict_counts_has_every_text_and_totals():
    counts = chapter.verdict_counts(AUDIT)
    assert list(counts.index) == ["000", "001", "002", "003", "004", "total"]
    assert list(counts.columns) == [*VERDICTS, "total"]  # every verdict, even at 0; no failures: no failure columns
    assert (
        counts.loc["002", "total"] == 0 and counts.loc["total", "total"] == 8 and counts.loc["total", CONTRADICTED] == 3
    )
    assert counts.loc["000", INCONCLUSIVE] == 1 and counts.loc["001", PARTLY_CONTRADICTED] == 1
    with_failure = chapter.verdict_counts(audit([*AUDIT.to_dict("records"), row("c002-x", "002", INVALID)]))
    assert INVALID in with_failure.columns and FAILED not in with_failure.columns
    shown = chapter.counts_table(counts)
    assert shown["Source text"].iloc[0] == "src000 (Huang 2018)" and shown["Source text"].iloc[-1] == "All source texts"


def test_headline_and_sentences():
    head = chapter.headline(AUDIT)
    counted = (head.supported, head.partly, head.inconclusive, head.partly_contradicted, head.contradicted)
    assert (head.claims, head.checkable, *counted, head.not_checkable) == (8, 7, 1, 1, 1, 1, 3, 1)
    assert head.share_at_least_partly == pytest.approx(100 * 2 / 7)
    assert (head.quantitative, head.qualitative) == (7, 1)
    sentence = chapter.summary_sentence(head, "V1")
    assert "7 claims of 8 could be tested" in sentence and "29 %" in sentence and "1 claim cannot" in sentence
    assert "1 supported, 1 partly supported, 1 inconclusive, 1 partly contradicted and 3 contradicted" in sentence
    assert (head.not_checkable_by_nature, head.not_checkable_in_vintage) == (1, 0) and "lacks" not in sentence
    missing = chapter.headline(
        audit([row("c000-a", "000", NOT_CHECKABLE, check="period_mean_comparison"), row("c000-b", "000", SUPPORTED)])
    )
    assert "1 claim needs series or years that this vintage lacks" in chapter.summary_sentence(missing, "V2")
    assert (
        chapter.most_contradicted(AUDIT)
        == "The text with the most contradicted claims is src001 (Wang and Chai 2024), with 2 claims"
    )
    assert chapter.capped_count(AUDIT) == 1
    capped = AUDIT.assign(evidence=["direct", "proxy", "direct", "secondary", "partial", "direct", "direct", "direct"])
    assert chapter.capped_sentence(capped) == (
        "2 claims are measured through a proxy or a secondary source, which can neither fully support nor fully "
        "contradict a claim: at most *partly supported* or *partly contradicted*; 1 claim can be tested only in part "
        "and can at most be *partly supported*. The cap changed 1 verdict that the data alone would have made "
        "*supported* or *contradicted*."
    )
    assert chapter.capped_sentence(AUDIT.assign(evidence="direct")).startswith("No claim is measured")
    none = audit([row("c000-a", "000", NOT_CHECKABLE)])
    assert "none of the 1 claims" in chapter.summary_sentence(chapter.headline(none), "V1")
    assert chapter.most_contradicted(none) == "No claim is contradicted by the data"


# ---------------------------------------------------------------------------------------
# Tables in MyST


def test_claims_markdown_has_anchors_links_and_escapes():
    tricky = audit(
        [
            row("c000-a", "000", SUPPORTED, measured="- 20.7 tn US$ | more"),
            row("c000-b", "000", NOT_CHECKABLE, check=""),
        ]
    )
    links = {"trade_patterns": "{ref}`Trade patterns <claims-trade_patterns>`"}
    text = chapter.claims_markdown(tricky, "000", links)
    assert text.startswith("```{list-table}") and text.rstrip().endswith("```")
    assert '<span id="claim-c000-a"></span>' in text and "{ref}`Trade patterns <claims-trade_patterns>`" in text
    assert "\\- 20.7 tn US\\$ \\| more" in text  # no list item, no maths, no column break
    assert "✔ supported" in text and "<summary>why not checkable</summary>" in text
    assert chapter.claims_markdown(tricky, "004", links).startswith("*No claims")


def test_chapter_links_follow_the_book(tmp_path):
    from imtrade.paths import ProjectPaths

    (tmp_path / "chapters").mkdir()
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: intro\nchapters:\n  - file: chapters/trade_patterns\n  - file: chapters/partnir\n"
    )
    header = "---\nkernelspec:\n  name: python3\n---\n"
    (tmp_path / "chapters" / "trade_patterns.md").write_text(
        header + "# Trade patterns: a long subtitle\n\n(claims-trade_patterns)=\n## Claims\n"
    )
    (tmp_path / "chapters" / "partnir.md").write_text(header + "# PartNIR\n")
    links = chapter.chapter_links(ProjectPaths(root=tmp_path, data_dir=tmp_path / "data"))
    assert links["trade_patterns"] == "{ref}`Trade patterns <claims-trade_patterns>`"
    assert links["partnir"] == "{doc}`PartNIR <partnir>`"
    assert set(links) == {"trade_patterns", "partnir"}  # the chapters of the table of contents, no other


def page_of(a: pd.DataFrame, b: pd.DataFrame) -> chapter.AuditPage:
    from imtrade.claims import compare_audits

    return chapter.AuditPage("V1", "V2", a, b, compare_audits(a, b), {}, pd.DataFrame())


def test_comparison_table_and_sentence():
    old = audit([{**r, "vintage": "V2"} for r in AUDIT.to_dict("records")])
    old.loc[old["id"] == "c000-a", ["verdict", "measured", "value"]] = [NOT_CHECKABLE, "missing in 2019", None]
    old.loc[old["id"] == "c001-a", ["measured", "value"]] = ["2 %", 2.0]
    page = page_of(AUDIT, old)
    assert list(page.changes["change"]) == ["verdict", "measured value"]
    text = chapter.comparison_markdown(page)
    assert '<a href="#claim-c000-a">c000-a</a>' in text and "WDI vintage V2" in text and "○ not checkable" in text
    sentence = chapter.comparison_summary(page)
    assert sentence.startswith(
        "2 claims change between WDI vintages V1 and V2: 1 verdict change and 1 measured value move"
    )
    assert "1 claim cannot be checked on vintage V2" in sentence
    same = page_of(AUDIT, audit([{**r, "vintage": "V2"} for r in AUDIT.to_dict("records")]))
    assert chapter.comparison_markdown(same).startswith("*No claim changes")
    assert "no claim changes" in chapter.comparison_summary(same)


def test_problems_markdown():
    assert chapter.problems_markdown({}, AUDIT).startswith("Every entry of the register is valid")
    failed = audit([row("c000-a", "000", FAILED, detail="period_mean_comparison raised KeyError: 2019")])
    text = chapter.problems_markdown({"c001-x": ["missing field 'tolerance'"]}, failed)
    assert "1 register entry could not be evaluated" in text and "**c001-x**: missing field 'tolerance'" in text
    assert "1 check raised an error" in text and "KeyError: 2019" in text


def test_figures_draw_one_bar_per_text_and_verdict():
    counts = chapter.verdict_counts(AUDIT)
    fig = chapter.plot_verdicts(counts, vintage="V1")
    ax = fig.axes[0]
    assert len(ax.patches) == 5 * len(VERDICTS)  # five texts x every verdict (zero-width bars included)
    colours = {p.get_facecolor() for p in ax.patches}
    assert len(colours) == len(VERDICTS)  # one colour per verdict ...
    assert len({chapter.VERDICT_STYLE[v]["hatch"] for v in VERDICTS}) == len(VERDICTS)  # ... and one hatch
    assert ax.get_yticklabels()[0].get_text() == "src000 (Huang 2018)"
    assert (
        ax.get_xlabel() == "Number of claims" and ax.get_legend().get_title().get_text() == "Verdict (WDI vintage V1)"
    )
    shift = chapter.plot_vintage_shift(
        page_of(AUDIT, audit([{**r, "vintage": "V2"} for r in AUDIT.to_dict("records")]))
    )
    assert len(shift.axes[0].patches) == 2 * len(VERDICTS) and shift.axes[0].get_ylabel() == "Number of claims"


# ---------------------------------------------------------------------------------------
# On the mirror data


@needs_data
@pytest.mark.mirror
def test_reevaluate_changes_a_tolerance():
    loose = chapter.reevaluate("c003-us-growth-slowdown-2-4pct", "2026-07-01", target_tol=0.4)
    strict = chapter.reevaluate("c003-us-growth-slowdown-2-4pct", "2026-07-01")
    assert (strict.verdict, loose.verdict) == (PARTLY, SUPPORTED)  # mean 2004-2018: 2.07 %, claimed 2.4
    with pytest.raises(ParameterError, match="no valid claim"):
        chapter.reevaluate("c999-nothing", "2026-07-01")
    with pytest.raises(ParameterError, match="has no check function"):
        chapter.reevaluate("c001-boeing-787-cost-saving", "2026-07-01")


def run_audit_page(tmp_path: Path, **params) -> tuple[dict, object]:
    run = run_chapter("claims_audit", tmp_path, **params)
    assert run.errors == []
    return run.values, run.notebook


@needs_data
@pytest.mark.slow
@pytest.mark.mirror
def test_chapter_runs_with_default_parameters(tmp_path):
    values, nb = run_audit_page(tmp_path)
    assert int(values["n_claims"]) >= 40
    tested = ("n_supported", "n_partly", "n_inconclusive", "n_partly_contradicted", "n_contradicted")
    assert int(values["n_checkable"]) == sum(int(values[k]) for k in tested)
    assert int(values["n_inconclusive"]) >= 1  # c004-manufacturing-strength-covid-resilience: a null result
    assert "2026-07-01" in values["summary_sentence"] and values["compare_vintage_text"] == "2018-08-01"
    assert (tmp_path / "tables" / "claims_audit.csv").is_file() and (
        tmp_path / "tables" / "claims_audit_comparison.csv"
    ).is_file()
    table = pd.read_csv(tmp_path / "tables" / "claims_audit.csv")
    assert set(table["source"].astype(str).str.zfill(3)) == {"000", "001", "002", "003", "004"}
    text = "".join("".join(o.get("data", {}).get("text/markdown", "")) for c in nb.cells for o in c.get("outputs", []))
    assert text.count('<span id="claim-') == len(table)


@needs_data
@pytest.mark.slow
@pytest.mark.mirror
def test_chapter_runs_with_the_vintages_swapped(tmp_path):
    values, _ = run_audit_page(tmp_path, vintage="2018-08-01", compare_vintage="2026-07-01")
    assert values["vintage_text"] == "2018-08-01" and "WDI vintage 2018-08-01" in values["summary_sentence"]
    assert "between WDI vintages 2018-08-01 and 2026-07-01" in values["comparison_sentence"]
    assert not re.search(r"\b2026-07-01\b.*could be tested", values["summary_sentence"])


def test_verdict_definitions_list_every_verdict_with_its_badge():
    text = chapter.verdict_definitions()
    blocks = text.split("\n\n")
    assert len(blocks) == len(VERDICTS)
    assert blocks[0] == "✔ supported\n: The data meet the claim's tolerance rule."
    assert any(b.startswith("? inconclusive\n: The data can test the claim but do not tell either way") for b in blocks)
