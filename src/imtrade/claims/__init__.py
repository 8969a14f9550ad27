"""The claims register and its audit.

Every checkable statement of the five source texts is an entry of ``data/claims/*.yml``
(one file per source text). An entry either names a *check function* (registered with
:func:`check`) that measures the claim in the data and returns a verdict, or gives the
reason why public data cannot check it. :func:`run_audit` evaluates every entry for a data
vintage; a malformed entry or a check that raises is listed as a failure while the rest of
the audit completes. Chapters show their own rows with :func:`verdict_table`.
"""

from __future__ import annotations

import hashlib
import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import yaml

from ..exceptions import (
    ClaimsRegisterError,
    DataNotFetchedError,
    ImtradeError,
    UnknownIndicatorError,
)
from ..paths import project
from ..reads import record_read

SUPPORTED = "supported"
PARTLY = "partly supported"
CONTRADICTED = "contradicted"
NOT_CHECKABLE = "not checkable"
FAILED = "check failed"
VERDICTS = (SUPPORTED, PARTLY, CONTRADICTED, NOT_CHECKABLE)
_RANK = {SUPPORTED: 3, PARTLY: 2, CONTRADICTED: 1, NOT_CHECKABLE: 0, FAILED: -1}
CHAPTERS = ("trade_patterns", "deglobalisation", "china_roadmap", "partnir")
REQUIRED_FIELDS = ("id", "source", "section", "claim", "kind", "claimed", "measure", "tolerance", "chapter", "check", "not_checkable")


@dataclass(frozen=True)
class Claim:
    id: str
    source: str  # seed file name, e.g. 001_17eb3de71453030b.txt
    section: str
    claim: str  # paraphrase, never a copy of the text
    kind: str  # quantitative | qualitative
    claimed: dict[str, Any]
    measure: dict[str, Any] | None
    tolerance: str
    chapter: str
    check: str | None
    args: dict[str, Any] = field(default_factory=dict)
    not_checkable: str | None = None

    @property
    def source_id(self) -> str:
        return self.source.split("_")[0]

    def claimed_text(self) -> str:
        c = self.claimed or {}
        value, low, unit, relation = c.get("value"), c.get("value_low"), c.get("unit") or "", c.get("relation") or ""
        when = c.get("year") or ("–".join(str(y) for y in c["years"]) if c.get("years") else "")
        if value is None:
            core = {"increase": "rising", "decrease": "falling"}.get(relation, relation if relation not in ("other", "=", "~") else "")
            core = f"{core} {unit}".strip() if core else unit
        else:
            number = f"{low:g}–{value:g}" if low is not None else f"{value:g}" if isinstance(value, int | float) else str(value)
            symbol = {"=": "", "~": "about ", ">": "more than ", "<": "less than ", "rank<=": "rank ≤ "}.get(relation, "")
            core = f"{symbol}{number} {unit}".strip()
        where = c.get("geography") or ""
        return ", ".join(x for x in (core, where, str(when)) if x)


@dataclass(frozen=True)
class CheckResult:
    verdict: str
    measured: str  # human-readable measured value(s) with units and years
    detail: str  # the stated test and how the data met it
    value: float | None = None  # the headline measured number (for vintage comparisons)


@dataclass(frozen=True)
class CheckContext:
    vintage: str | None

    def indicators(self, codes, **kwargs) -> pd.DataFrame:
        from ..api import load_indicators

        return load_indicators(codes, vintage=self.vintage, **kwargs)

    def curated(self, name: str) -> pd.DataFrame:
        from ..curated import load_curated

        return load_curated(name)


CheckFunction = Callable[..., CheckResult]
_CHECKS: dict[str, CheckFunction] = {}


def check(name: str) -> Callable[[CheckFunction], CheckFunction]:
    """Register ``fn(claim, ctx, **args) -> CheckResult`` under ``name`` (the register's ``check``)."""

    def decorate(fn: CheckFunction) -> CheckFunction:
        if name in _CHECKS and _CHECKS[name] is not fn:
            raise ValueError(f"check {name!r} registered twice")
        _CHECKS[name] = fn
        return fn

    return decorate


def registered_checks() -> dict[str, CheckFunction]:
    from . import checks

    for module in pkgutil.iter_modules(checks.__path__):
        importlib.import_module(f"{checks.__name__}.{module.name}")
    return dict(_CHECKS)


# ---------------------------------------------------------------------------------------
# Register


@dataclass
class Register:
    claims: list[Claim]
    problems: dict[str, list[str]]  # entry id (or file:index) -> problems


def _validate_entry(raw: Any, where: str, checks: dict[str, CheckFunction]) -> tuple[Claim | None, list[str]]:
    if not isinstance(raw, dict):
        return None, [f"{where}: entry is not a mapping"]
    problems = [f"missing field {f!r}" for f in REQUIRED_FIELDS if f not in raw]
    if raw.get("kind") not in (None, "quantitative", "qualitative"):
        problems.append(f"kind must be quantitative or qualitative, got {raw.get('kind')!r}")
    if raw.get("chapter") not in (None, *CHAPTERS):
        problems.append(f"unknown chapter {raw.get('chapter')!r} (one of {', '.join(CHAPTERS)})")
    if "check" in raw and "not_checkable" in raw:
        if not raw.get("check") and not raw.get("not_checkable"):
            problems.append("has neither a check function nor a reason why it is not checkable")
        if raw.get("check") and raw.get("not_checkable"):
            problems.append("has both a check function and a not-checkable reason")
        if raw.get("check") and raw["check"] not in checks:
            problems.append(f"check function {raw['check']!r} is not registered (imtrade.claims.checks)")
    if raw.get("measure") is not None and not isinstance(raw.get("measure"), dict):
        problems.append("measure must be a mapping or null")
    if raw.get("args") is not None and not isinstance(raw.get("args"), dict):
        problems.append("args must be a mapping")
    if problems:
        return None, problems
    claim = Claim(
        id=str(raw["id"]), source=str(raw["source"]), section=str(raw["section"]), claim=" ".join(str(raw["claim"]).split()),
        kind=raw["kind"], claimed=raw.get("claimed") or {}, measure=raw.get("measure"), tolerance=" ".join(str(raw["tolerance"] or "").split()),
        chapter=raw["chapter"], check=raw.get("check"), args=raw.get("args") or {}, not_checkable=raw.get("not_checkable"),
    )
    return claim, []


def load_register() -> Register:
    """Read every ``data/claims/*.yml``; valid entries become claims, the rest problems."""
    folder = project().claims
    checks = registered_checks()
    claims: list[Claim] = []
    problems: dict[str, list[str]] = {}
    files = sorted(folder.glob("*.yml"))
    if not files:
        raise ClaimsRegisterError(f"no claims files in {folder}", fix="the register is data/claims/<NNN>_<topic>.yml")
    seen: set[str] = set()
    for file in files:
        rel = file.relative_to(project().root).as_posix()
        record_read("project", "", rel, hashlib.sha256(file.read_bytes()).hexdigest())
        try:
            entries = yaml.safe_load(file.read_text(encoding="utf-8")) or []
        except yaml.YAMLError as exc:
            problems[rel] = [f"not valid YAML: {exc}"]
            continue
        if not isinstance(entries, list):
            problems[rel] = ["must be a YAML list of claims"]
            continue
        for index, raw in enumerate(entries):
            key = str(raw.get("id")) if isinstance(raw, dict) and raw.get("id") else f"{rel}#{index + 1}"
            claim, issues = _validate_entry(raw, key, checks)
            if claim is not None and claim.id in seen:
                claim, issues = None, ["duplicate id (also earlier in the register)"]
            if issues:
                problems[key] = issues
            else:
                seen.add(claim.id)
                claims.append(claim)
    return Register(claims, problems)


# ---------------------------------------------------------------------------------------
# Audit


def cap(result: CheckResult, max_verdict: str | None) -> CheckResult:
    """Proxy measures can at most *partly* support a claim."""
    if max_verdict and _RANK.get(result.verdict, -1) > _RANK.get(max_verdict, 3):
        return CheckResult(max_verdict, result.measured, result.detail + f" (capped at '{max_verdict}': the measure is a proxy)", result.value)
    return result


def evaluate(claim: Claim, ctx: CheckContext, checks: dict[str, CheckFunction] | None = None) -> CheckResult:
    """One claim's verdict. Missing data in a vintage -> not checkable; a raising check -> 'check failed'."""
    if not claim.check:
        return CheckResult(NOT_CHECKABLE, "—", str(claim.not_checkable))
    checks = checks or registered_checks()
    fn = checks[claim.check]
    args = dict(claim.args)
    max_verdict = args.pop("max_verdict", None)
    try:
        result = fn(claim, ctx, **args)
    except (UnknownIndicatorError, DataNotFetchedError) as exc:
        return CheckResult(NOT_CHECKABLE, "—", f"data not available for vintage {ctx.vintage or 'default'}: {exc.problem}")
    except ImtradeError as exc:
        return CheckResult(FAILED, "—", f"{claim.check} failed: {exc.problem}")
    except Exception as exc:  # a bug in a check must not stop the audit of the others
        return CheckResult(FAILED, "—", f"{claim.check} raised {exc.__class__.__name__}: {exc}")
    if result.verdict not in VERDICTS:
        return CheckResult(FAILED, result.measured, f"{claim.check} returned an unknown verdict {result.verdict!r}")
    return cap(result, max_verdict)


AUDIT_COLUMNS = ["id", "source", "chapter", "section", "claim", "claimed", "measured", "verdict", "detail", "value", "vintage"]


def run_audit(vintage: str | None = None, chapter: str | None = None) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """Evaluate the register. Returns (audit table, register problems by entry)."""
    register = load_register()
    checks = registered_checks()
    ctx = CheckContext(vintage)
    rows = []
    for claim in register.claims:
        if chapter is not None and claim.chapter != chapter:
            continue
        result = evaluate(claim, ctx, checks)
        rows.append(
            {
                "id": claim.id, "source": claim.source_id, "chapter": claim.chapter, "section": claim.section, "claim": claim.claim,
                "claimed": claim.claimed_text(), "measured": result.measured, "verdict": result.verdict, "detail": result.detail,
                "value": result.value, "vintage": vintage or "default",
            }
        )
    return pd.DataFrame(rows, columns=AUDIT_COLUMNS), register.problems


def compare_vintages(v1: str, v2: str) -> pd.DataFrame:
    """Claims whose measured value or verdict differs between two vintages."""
    a, _ = run_audit(v1)
    b, _ = run_audit(v2)
    merged = a.merge(b, on=["id", "source", "chapter", "claim"], suffixes=(f"_{v1}", f"_{v2}"))
    changed = (merged[f"verdict_{v1}"] != merged[f"verdict_{v2}"]) | (merged[f"measured_{v1}"] != merged[f"measured_{v2}"])
    cols = ["id", "source", "chapter", "claim", f"measured_{v1}", f"verdict_{v1}", f"measured_{v2}", f"verdict_{v2}"]
    return merged.loc[changed, cols].reset_index(drop=True)


def verdict_table(chapter: str, vintage: str | None = None) -> pd.DataFrame:
    """A chapter's own claims with their verdicts (claim, claimed, measured, verdict, test)."""
    audit, _problems = run_audit(vintage, chapter=chapter)
    table = audit[["claim", "claimed", "measured", "verdict", "detail"]].rename(
        columns={"claim": "Claim (paraphrased)", "claimed": "Claimed", "measured": "Measured", "verdict": "Verdict", "detail": "Test and result"}
    )
    return table
