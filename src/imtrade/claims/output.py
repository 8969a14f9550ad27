"""Writing an audit: plain-text table for the terminal, CSV and JSON (``imtrade audit``).

Pure functions of the audit frame, the register problems and the vintages, so that two runs
on the same data give identical files (no dates, no timings).
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pandas as pd

from imtrade.claims import (
    CAP_SENTENCE,
    FAILED,
    INVALID,
    SOURCE_TEXTS,
    STATUSES,
    VERDICT_MEANINGS,
    dataset_vintages,
    failures,
    summary_counts,
)
from imtrade.fileio import atomic_write

FORMATS = ("table", "csv", "json")
EXTENSIONS = {"table": "txt", "csv": "csv", "json": "json"}
WIDTH = 100


def default_output(
    build_dir: Path, fmt: str, vintage: str, *, chapter: str | None = None, compare: tuple[str, str] | None = None
) -> Path:
    """``_build/audit/audit-<vintage>[-<chapter>].<ext>`` or ``compare-<v1>-<v2>[-<chapter>].<ext>``."""
    stem = f"compare-{compare[0]}-{compare[1]}" if compare else f"audit-{vintage}"
    if chapter:
        stem += f"-{chapter}"
    return build_dir / "audit" / f"{stem}.{EXTENSIONS[fmt]}"


def _wrap(label: str, text: str, indent: int = 4) -> list[str]:
    prefix = " " * indent + f"{label:<{max(10, len(label) + 1)}}"
    return textwrap.wrap(
        str(text), WIDTH, initial_indent=prefix, subsequent_indent=" " * len(prefix), break_on_hyphens=False
    ) or [prefix.rstrip()]


def audit_text(audit: pd.DataFrame, vintage: str) -> str:
    """The audit as readable text: one block per claim, grouped by source text, then counts."""
    lines = [f"Claims audit, WDI vintage {vintage} ({len(audit)} claims)", ""]
    for source, group in audit.groupby("source", sort=True):
        lines.append(f"src{source}  {SOURCE_TEXTS.get(str(source), '')}".rstrip())
        for row in group.itertuples():
            lines.append(f"  [{row.verdict}] {row.id}  (chapter {row.chapter or '?'})")
            lines += _wrap("claim", row.claim)
            if row.claimed:
                lines += _wrap("claimed", row.claimed)
            lines += _wrap("measured", row.measured)
            lines += _wrap("test", row.detail)
        lines.append("")
    lines.append("Verdicts by source text")
    lines.append(summary_counts(audit).to_string())
    lines += ["", *legend_lines()]
    return "\n".join(lines) + "\n"


def legend_lines() -> list[str]:
    """What each verdict means, and the proxy rule (the legend of the text output)."""
    width = max(len(v) for v in VERDICT_MEANINGS)
    lines = ["Verdicts"]
    for verdict, meaning in VERDICT_MEANINGS.items():
        lines += textwrap.wrap(
            meaning, WIDTH, initial_indent=f"  {verdict:<{width}}  ", subsequent_indent=" " * (width + 4)
        )
    return lines + textwrap.wrap(CAP_SENTENCE, WIDTH, initial_indent="  ", subsequent_indent="  ")


def comparison_text(changes: pd.DataFrame, v1: str, v2: str, n_claims: int) -> str:
    """The claims whose verdict or measured value changes between two vintages, as text."""
    verdicts = int((changes["change"] == "verdict").sum()) if len(changes) else 0
    lines = [
        f"Claims whose result changes between vintages {v1} and {v2}: {len(changes)} of {n_claims} ({verdicts} with "
        "another verdict)",
        "",
    ]
    for row in changes.to_dict("records"):
        lines.append(f"  {row['id']}  ({row['change']})")
        lines += _wrap(v1, f"[{row[f'verdict_{v1}']}] {row[f'measured_{v1}']}")
        lines += _wrap(v2, f"[{row[f'verdict_{v2}']}] {row[f'measured_{v2}']}")
    return "\n".join(lines) + "\n"


def problems_text(problems: dict[str, list[str]], audit: pd.DataFrame) -> str:
    """Register problems and failed checks (empty when there are none)."""
    lines = []
    if problems:
        lines.append(f"Register problems ({len(problems)}; these entries have no verdict):")
        for key, issues in problems.items():
            lines.append(f"  {key}:")
            lines += [f"    - {issue}" for issue in issues]
    failed = audit[audit["verdict"] == FAILED] if len(audit) else audit
    if len(failed):
        lines.append(f"Failed checks ({len(failed)}):")
        for row in failed.itertuples():
            lines.append(f"  {row.id}: {row.detail}")
    return "\n".join(lines) + ("\n" if lines else "")


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for record in frame.to_dict("records"):
        out.append({k: (None if isinstance(v, float) and pd.isna(v) else v) for k, v in record.items()})
    return out


def audit_json(audit: pd.DataFrame, problems: dict[str, list[str]], vintage: str) -> str:
    counts = audit["verdict"].value_counts()
    payload = {
        "vintage": vintage,
        "datasets": _records(dataset_vintages(vintage)),
        "summary": {s: int(counts.get(s, 0)) for s in STATUSES if s in counts or s not in (FAILED, INVALID)},
        "verdicts": dict(VERDICT_MEANINGS),
        "claims": _records(audit),
        "problems": problems,
        "failed_checks": list(failures(audit).loc[lambda f: f["verdict"] == FAILED, "id"]),
    }
    return json.dumps(payload, indent=1, ensure_ascii=False) + "\n"


def comparison_json(changes: pd.DataFrame, problems: dict[str, list[str]], v1: str, v2: str, failed: list[str]) -> str:
    payload = {"vintages": [v1, v2], "changes": _records(changes), "problems": problems, "failed_checks": failed}
    return json.dumps(payload, indent=1, ensure_ascii=False) + "\n"


def to_csv(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False, lineterminator="\n", float_format="%.6g")


def write_text(path: Path, text: str) -> Path:
    """Write atomically (a reader never sees half a file)."""
    return atomic_write(path, text)
