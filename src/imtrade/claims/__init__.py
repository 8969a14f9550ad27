"""The claims register and its audit.

Every checkable statement of the five source texts is an entry of ``data/claims/*.yml``
(one file per source text; the conventions are in the header of ``000_trade_patterns.yml``).
An entry either names a *check function* (registered with :func:`check`) that measures the
claim in the data and returns a verdict, or gives the reason why public data cannot check it.

:func:`load_register` validates every entry against the schema (:data:`ENTRY_FIELDS`), the
data layer (every code in ``measure.indicators`` must exist) and the check function's
signature (every ``args`` key must be a parameter of the function), collecting *all*
problems of an entry at once. :func:`run_audit` evaluates the valid entries for one data
vintage; an invalid entry or a check that raises becomes a row with the status
``invalid entry`` / ``check failed`` while the rest of the audit completes.
:func:`compare_vintages` lists the claims whose measured value or verdict changes between
two vintages, and chapters show their own rows with :func:`verdict_table`.

The verdicts (:data:`VERDICTS`, defined in :data:`VERDICT_MEANINGS`) form a scale from
:data:`SUPPORTED` through :data:`PARTLY`, :data:`INCONCLUSIVE` and
:data:`PARTLY_CONTRADICTED` to :data:`CONTRADICTED`, plus :data:`NOT_CHECKABLE` for claims
the data cannot test. *Inconclusive* is a result, not a failure to test: the data can test
the claim but do not tell either way (a null result, an interval that spans both readings).

Two rules keep a verdict from saying more than its evidence:

- **A proxy caps both ends.** An entry whose measure is a proxy or a secondary source
  (field ``evidence: proxy`` or ``evidence: secondary``) can neither fully support nor fully
  contradict its claim: :func:`cap` turns *supported* into *partly supported* and
  *contradicted* into *partly contradicted* (:data:`CAPPED`), and says so in the detail. The
  tolerance rule of such an entry states the cap ("at most partly supported or partly
  contradicted"), and the validator checks that text and field agree. A *partial* test
  (``evidence: partial``: only part of a compound claim can be tested) caps only the
  supporting end: what it tests can still contradict the claim.
- **Attribution apart from outcome.** "X expected Y" is two claims: that X made the
  forecast (checked against the curated record of what X published) and, separately, the
  forecast scored against the outcome. An entry tests one of the two, never both at once.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import math
import pkgutil
import re
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from imtrade.data.provenance import record_read
from imtrade.exceptions import (
    ClaimsRegisterError,
    DataNotFetchedError,
    ImtradeError,
    UnknownIndicatorError,
)
from imtrade.paths import project
from imtrade.yamlio import safe_load

SUPPORTED = "supported"
PARTLY = "partly supported"
INCONCLUSIVE = "inconclusive"
PARTLY_CONTRADICTED = "partly contradicted"
CONTRADICTED = "contradicted"
NOT_CHECKABLE = "not checkable"
#: The verdicts of a claim the data could test, from the claim's side to the other.
TESTED = (SUPPORTED, PARTLY, INCONCLUSIVE, PARTLY_CONTRADICTED, CONTRADICTED)
VERDICTS = (*TESTED, NOT_CHECKABLE)
#: What each verdict means (the audit page's and ``imtrade audit``'s legend).
VERDICT_MEANINGS = {
    SUPPORTED: "the data meet the claim's tolerance rule",
    PARTLY: (
        "the data lean towards the claim but meet only part of the rule (the direction but not the size, "
        "some parts of a compound claim), or support it only through a proxy or secondary source"
    ),
    INCONCLUSIVE: (
        "the data can test the claim but do not tell either way: a null result, or an interval that spans both readings"
    ),
    PARTLY_CONTRADICTED: (
        "the data lean against the claim but cannot settle it: a proxy or secondary source goes against it"
    ),
    CONTRADICTED: "the data go against the claim under its rule",
    NOT_CHECKABLE: ("no public data can test the claim, or the data vintage lacks the series or years the test needs"),
}
#: How the evidence of an entry relates to its claim (entry field ``evidence``; default direct):
#: ``proxy`` measures something else than the claim, ``secondary`` is a figure repeated by
#: someone who is not its publisher, ``partial`` tests only part of a compound claim.
DIRECT, PROXY, SECONDARY, PARTIAL = "direct", "proxy", "secondary", "partial"
EVIDENCE = (DIRECT, PROXY, SECONDARY, PARTIAL)
#: The cap of each kind of evidence: verdict -> capped verdict. A proxy or a secondary source
#: caps both ends of the scale; a partial test can contradict the part it tests, but cannot
#: establish the whole claim.
CAPPED = {
    DIRECT: {},
    PROXY: {SUPPORTED: PARTLY, CONTRADICTED: PARTLY_CONTRADICTED},
    SECONDARY: {SUPPORTED: PARTLY, CONTRADICTED: PARTLY_CONTRADICTED},
    PARTIAL: {SUPPORTED: PARTLY},
}
# Statuses that are not verdicts: the audit could not judge the claim (a problem to fix).
FAILED = "check failed"  # the check function raised or returned something invalid
INVALID = "invalid entry"  # the register entry itself is malformed (see Register.problems)
STATUSES = (*VERDICTS, FAILED, INVALID)
REQUIRED_FIELDS = (
    "id",
    "source",
    "section",
    "claim",
    "kind",
    "claimed",
    "measure",
    "tolerance",
    "chapter",
    "check",
    "not_checkable",
)
OPTIONAL_FIELDS = ("args", "evidence")  # args: null or a mapping; evidence: one of EVIDENCE (default direct)
ENTRY_FIELDS = (*REQUIRED_FIELDS, *OPTIONAL_FIELDS)
CLAIMED_FIELDS = ("value", "value_low", "relation", "unit", "geography")  # plus "year" or "years"
MEASURE_FIELDS = ("dataset", "indicators", "formula", "vintage")
RELATIONS = ("=", "~", ">", "<", "rank<=", "increase", "decrease", "other")
CURATED_DATASET = "curated"
# The five source texts (../shared/seeds/<id>_<hash>.txt), cited as src<id> in references.bib.
SOURCE_TEXTS = {
    "000": "Intelligent manufacturing reshapes global trade (Huang 2018)",
    "001": "Digital technology and the risk of manufacturing de-globalisation (Wang and Chai 2024)",
    "002": "Strategy and roadmap for intelligent manufacturing in China (CAE 2018)",
    "003": "China's smart manufacturing and US sanctions (blog post, 2018)",
    "004": "BRICS Partnership on New Industrial Revolution (Global Times 2022)",
}
_SOURCE_FILE = re.compile(r"^(\d{3})_[0-9a-f]{16}\.txt$")
_CLAIM_ID = re.compile(r"^c(\d{3})-[a-z0-9]+(?:-[a-z0-9]+)*$")
_CAP_PHRASE = re.compile(r"at most partly supported", re.I)
_SYMMETRIC_CAP_PHRASE = re.compile(r"at most partly supported or partly contradicted", re.I)
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: 10x faster
CAP_NOTE = "The verdict is capped at"  # starts the sentence cap() adds to a capped verdict's detail
#: How the tolerance rule of an entry states its cap, by kind of evidence.
CAP_RULE_TEXT = {
    PROXY: "At most partly supported or partly contradicted (proxy).",
    SECONDARY: "At most partly supported or partly contradicted (secondary).",
    PARTIAL: "At most partly supported (partial: <what cannot be tested>).",
}


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
    evidence: str = DIRECT  # direct | proxy | secondary (a proxy or secondary source caps the verdict)

    @property
    def source_id(self) -> str:
        return self.source.split("_")[0]

    @property
    def capped(self) -> bool:
        """Whether the verdict is capped (a proxy, a secondary source or a partial test)."""
        return bool(CAPPED.get(self.evidence))

    def claimed_text(self) -> str:
        c = self.claimed or {}
        value, low, unit, relation = c.get("value"), c.get("value_low"), c.get("unit") or "", c.get("relation") or ""
        when = c.get("year") or ("–".join(str(y) for y in c["years"]) if c.get("years") else "")
        if value is None:
            core = {"increase": "rising", "decrease": "falling"}.get(
                relation, relation if relation not in ("other", "=", "~") else ""
            )
            core = f"{core} {unit}".strip() if core else unit
        else:
            number = (
                f"{low:g}–{value:g}"
                if low is not None
                else f"{value:g}"
                if isinstance(value, int | float)
                else str(value)
            )
            symbol = {"=": "", "~": "about ", ">": "more than ", "<": "less than ", "rank<=": "rank ≤ "}.get(
                relation, ""
            )
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
    """What a check function reads data through, so that the audit's vintage flows through.

    ``vintage`` is a WDI vintage; datasets without that vintage use their own default (the
    rule of :func:`imtrade.api.load_indicators`).
    """

    vintage: str | None

    def indicators(self, codes, **kwargs) -> pd.DataFrame:
        from imtrade.data.load import load_indicators

        return load_indicators(codes, vintage=self.vintage, **kwargs)

    def curated(self, name: str) -> pd.DataFrame:
        from imtrade.data.curated import load_curated

        return load_curated(name)

    def entities(self, include_aggregates: bool = True) -> pd.DataFrame:
        from imtrade.data.load import load_entities

        return load_entities(include_aggregates=include_aggregates)


CheckFunction = Callable[..., CheckResult]
_CHECKS: dict[str, CheckFunction] = {}
_IMPORT_ERRORS: dict[str, str] = {}  # check module -> why it could not be imported


def check(name: str) -> Callable[[CheckFunction], CheckFunction]:
    """Register ``fn(claim, ctx, **args) -> CheckResult`` under ``name`` (the register's ``check``)."""

    def decorate(fn: CheckFunction) -> CheckFunction:
        previous = _CHECKS.get(name)
        if previous is not None and (previous.__module__, previous.__qualname__) != (fn.__module__, fn.__qualname__):
            raise ValueError(f"check {name!r} registered twice ({previous.__module__} and {fn.__module__})")
        _CHECKS[name] = fn
        return fn

    return decorate


def book_chapters() -> tuple[str, ...]:
    """The executable chapters of the book's table of contents (``_toc.yml``), in reading order.

    The register's ``chapter`` fields must name one of them; empty when the project has no
    table of contents (then any chapter name is accepted).
    """
    from imtrade.book.toc import chapters

    if not project().toc.is_file():
        return ()
    return tuple(c.name for c in chapters())


def check_modules() -> list[str]:
    """The modules that define check functions: the generic ones (:mod:`imtrade.claims.checks`)
    and the ``checks`` module of every chapter of the table of contents that has one
    (``imtrade.chapters.<topic>.checks``), found by name, never from a list."""
    from imtrade.claims import checks

    modules = [f"{checks.__name__}.{m.name}" for m in pkgutil.iter_modules(checks.__path__)]
    for name in book_chapters():
        package = f"imtrade.chapters.{name}"
        try:
            found = importlib.util.find_spec(package) is not None and (
                importlib.util.find_spec(f"{package}.checks") is not None
            )
        except Exception as exc:  # a chapter package that fails to import is reported, not fatal
            _IMPORT_ERRORS[f"{package}.checks"] = f"{exc.__class__.__name__}: {exc}"
            continue
        if found:
            modules.append(f"{package}.checks")
    return modules


def registered_checks() -> dict[str, CheckFunction]:
    """Every registered check, after importing each module of :func:`check_modules`.

    A module that fails to import does not stop the others: its error is kept and reported
    by :func:`load_register` (the entries that use its checks become invalid).
    """
    for name in check_modules():
        try:
            importlib.import_module(name)
        except Exception as exc:  # a broken chapter module must not stop the audit of the others
            _IMPORT_ERRORS[name] = f"{exc.__class__.__name__}: {exc}"
        else:
            _IMPORT_ERRORS.pop(name, None)
    return dict(_CHECKS)


# ---------------------------------------------------------------------------------------
# Register


@dataclass
class Register:
    """The valid claims, and every problem found (entry id, or ``file#n``, -> problems)."""

    claims: list[Claim]
    problems: dict[str, list[str]]
    invalid: list[dict[str, Any]] = field(default_factory=list)  # what is known of each invalid entry
    order: dict[str, int] = field(default_factory=dict)  # entry id -> position in the register
    entries: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # file name -> entries as written

    def __len__(self) -> int:
        return len(self.claims) + len(self.invalid)


class _KnownCodes:
    """Indicator codes of the data layer, per dataset, read lazily (None: cannot tell)."""

    def __init__(self) -> None:
        self._codes: dict[str, set[str] | None] = {}

    def datasets(self) -> set[str]:
        from imtrade.data.catalog import load_catalog

        try:
            return set(load_catalog().datasets) | {CURATED_DATASET}
        except ImtradeError:
            return {CURATED_DATASET}

    def codes(self, dataset: str) -> set[str] | None:
        if dataset not in self._codes:
            self._codes[dataset] = self._load(dataset)
        return self._codes[dataset]

    @staticmethod
    def _load(dataset: str) -> set[str] | None:
        if dataset == CURATED_DATASET:
            from imtrade.data.curated import curated_tables

            return {f"{name}.csv" for name in curated_tables()} | set(curated_tables())
        from imtrade.data.derived import DERIVED
        from imtrade.data.load import store

        try:
            s = store()
            codes = set(s.index(dataset, s.catalog.dataset(dataset).default_vintage))
        except (DataNotFetchedError, ImtradeError):
            return None  # not fetched: the audit reports missing data itself
        return codes | set(DERIVED) if dataset == "wdi" else codes


def _indicator_problems(measure: dict[str, Any], known: _KnownCodes) -> list[str]:
    problems = []
    dataset = measure.get("dataset")
    datasets = known.datasets()
    if dataset not in datasets:
        return [f"measure.dataset {dataset!r} is not a catalogued dataset (one of {', '.join(sorted(datasets))})"]
    indicators = measure.get("indicators")
    if not isinstance(indicators, list) or not indicators:
        return ["measure.indicators must be a non-empty list of codes"]
    for item in indicators:
        text = str(item)
        ds, code = text.split(":", 1) if ":" in text else (dataset, text)
        if ds not in datasets:
            problems.append(f"measure.indicators: {text!r} names an unknown dataset {ds!r}")
            continue
        codes = known.codes(ds)
        if codes is not None and code not in codes:
            where = "curated tables (data/curated/)" if ds == CURATED_DATASET else f"dataset {ds} (default vintage)"
            problems.append(f"unknown indicator {code!r} in measure.indicators: not in {where}")
    return problems


def _args_problems(fn: CheckFunction, name: str, args: dict[str, Any]) -> list[str]:
    args = {k: v for k, v in args.items() if k != "max_verdict"}  # reported on its own (no longer used)
    try:
        inspect.signature(fn).bind(None, None, **args)
    except TypeError as exc:
        return [f"args do not fit check {name!r}: {exc}"]
    return []


def _validate_entry(
    raw: Any,
    where: str,
    checks: dict[str, CheckFunction],
    known: _KnownCodes | None = None,
    file_source_id: str | None = None,
    chapters: Sequence[str] = (),
) -> tuple[Claim | None, list[str]]:
    """One entry -> (Claim, []) or (None, every problem found)."""
    if not isinstance(raw, dict):
        return None, [f"{where}: entry is not a mapping"]
    problems = [f"missing field {f!r}" for f in REQUIRED_FIELDS if f not in raw]
    problems += [f"unknown field {f!r} (fields: {', '.join(ENTRY_FIELDS)})" for f in raw if f not in ENTRY_FIELDS]
    for name in ("id", "source", "section", "claim"):
        if name in raw and (not isinstance(raw[name], str) or not raw[name].strip()):
            problems.append(f"{name} must be a non-empty text")
    if isinstance(raw.get("id"), str) and not _CLAIM_ID.match(raw["id"]):
        problems.append(f"id {raw['id']!r} must look like c<NNN>-words-with-hyphens")
    if isinstance(raw.get("source"), str):
        match = _SOURCE_FILE.match(raw["source"])
        if not match:
            problems.append(f"source {raw['source']!r} must be a source text file name like 001_17eb3de71453030b.txt")
        else:
            id_match = _CLAIM_ID.match(str(raw.get("id", "")))
            if id_match and id_match.group(1) != match.group(1):
                problems.append(f"id {raw['id']!r} does not match its source text {match.group(1)}")
            if file_source_id is not None and match.group(1) != file_source_id:
                problems.append(f"source text {match.group(1)} is in the claims file of source text {file_source_id}")
    if raw.get("kind") not in (None, "quantitative", "qualitative"):
        problems.append(f"kind must be quantitative or qualitative, got {raw.get('kind')!r}")
    if "chapter" in raw and chapters and raw.get("chapter") not in chapters:
        problems.append(f"unknown chapter {raw.get('chapter')!r} (one of {', '.join(chapters)})")
    claimed = raw.get("claimed")
    if "claimed" in raw:
        if not isinstance(claimed, dict):
            problems.append("claimed must be a mapping (value, value_low, relation, unit, year or years, geography)")
        else:
            problems += [f"claimed: missing field {f!r}" for f in CLAIMED_FIELDS if f not in claimed]
            if "year" not in claimed and "years" not in claimed:
                problems.append("claimed: needs 'year' or 'years' (null if the text gives none)")
            if claimed.get("relation") not in (None, *RELATIONS):
                problems.append(f"claimed.relation {claimed.get('relation')!r} is not one of {', '.join(RELATIONS)}")
            for name in ("value", "value_low"):
                if claimed.get(name) is not None and not isinstance(claimed[name], int | float):
                    problems.append(f"claimed.{name} must be a number or null")
    check_name, reason = raw.get("check"), raw.get("not_checkable")
    if "check" in raw and "not_checkable" in raw:
        if not check_name and not (isinstance(reason, str) and reason.strip()):
            problems.append("has neither a check function nor a reason why it is not checkable")
        if check_name and reason:
            problems.append("has both a check function and a not-checkable reason")
    measure = raw.get("measure")
    if measure is not None and not isinstance(measure, dict):
        problems.append("measure must be a mapping or null")
        measure = None
    args = raw.get("args")
    if args is not None and not isinstance(args, dict):
        problems.append("args must be a mapping or null")
        args = None
    if check_name:
        if not isinstance(check_name, str):
            problems.append("check must be the name of a check function")
        elif check_name not in checks:
            problems.append(f"check function {check_name!r} is not registered (imtrade.claims.check_modules)")
        else:
            problems += _args_problems(checks[check_name], check_name, args or {})
        if measure is None:
            problems.append("an entry with a check needs a measure (dataset, indicators, formula, vintage)")
        if not (isinstance(raw.get("tolerance"), str) and raw["tolerance"].strip()):
            problems.append("an entry with a check needs a tolerance rule")
    if measure is not None:
        problems += [f"measure: missing field {f!r}" for f in MEASURE_FIELDS if f not in measure]
        if known is not None and "dataset" in measure:
            problems += _indicator_problems(measure, known)
    if args and "max_verdict" in args:
        problems.append(
            "args.max_verdict is no longer used: declare the entry field 'evidence: proxy' (or 'secondary'), "
            "which caps the verdict on both sides"
        )
    evidence = raw.get("evidence", DIRECT)
    if evidence is None:
        evidence = DIRECT
    if evidence not in EVIDENCE:
        problems.append(f"evidence {evidence!r} is not one of {', '.join(EVIDENCE)}")
    elif check_name and isinstance(raw.get("tolerance"), str):
        stated = cap_rule(raw["tolerance"])
        if stated and evidence == DIRECT:
            problems.append(
                "the tolerance rule caps the verdict ('at most partly supported') but the entry declares no "
                f"'evidence' ({', '.join(e for e in EVIDENCE if e != DIRECT)})"
            )
        elif evidence != DIRECT and stated != evidence:
            problems.append(
                f"evidence is {evidence} but the tolerance rule states "
                f"{'another cap' if stated else 'no cap'}: begin it with '{CAP_RULE_TEXT[evidence]}'"
            )
    if problems:
        return None, problems
    claim = Claim(
        id=str(raw["id"]),
        source=str(raw["source"]),
        section=str(raw["section"]),
        claim=" ".join(str(raw["claim"]).split()),
        kind=raw["kind"],
        claimed=claimed or {},
        measure=measure,
        tolerance=" ".join(str(raw["tolerance"] or "").split()),
        chapter=raw["chapter"],
        check=check_name or None,
        args=args or {},
        not_checkable=" ".join(str(reason).split()) if reason else None,
        evidence=str(evidence),
    )
    return claim, []


def _partial(raw: Any, key: str, rel: str) -> dict[str, Any]:
    """What can be shown of an invalid entry."""
    raw = raw if isinstance(raw, dict) else {}
    source = str(raw.get("source") or Path(rel).name)
    claimed = raw.get("claimed")
    try:
        claimed_text = (
            Claim("", "", "", "", "", claimed, None, "", "", None).claimed_text() if isinstance(claimed, dict) else ""
        )
    except Exception:  # a malformed claimed block: shown empty, its problem is listed
        claimed_text = ""
    return {
        "id": key,
        "source": source.split("_")[0][:3],
        "chapter": str(raw.get("chapter") or ""),
        "section": str(raw.get("section") or ""),
        "kind": str(raw.get("kind") or ""),
        "claim": " ".join(str(raw.get("claim") or "").split()),
        "check": str(raw.get("check") or ""),
        "tolerance": " ".join(str(raw.get("tolerance") or "").split()),
        "evidence": str(raw.get("evidence") or DIRECT),
        "claimed": claimed_text,
    }


def load_register(folder: Path | None = None, *, validate_indicators: bool = True) -> Register:
    """Read and validate every ``data/claims/*.yml``; valid entries become claims, the rest problems.

    Parameters
    ----------
    folder : the register folder (default: the project's ``data/claims``).
    validate_indicators : check every ``measure.indicators`` code against the data layer
        (datasets that are not fetched are skipped: the audit reports their missing data).

    Raises
    ------
    ClaimsRegisterError
        Only when there is no register at all; a bad file or entry is listed in ``problems``.
    """
    folder = folder or project().claims
    checks = registered_checks()
    chapters = book_chapters()
    known = _KnownCodes() if validate_indicators else None
    claims: list[Claim] = []
    problems: dict[str, list[str]] = {}
    invalid: list[dict[str, Any]] = []
    for module, error in sorted(_IMPORT_ERRORS.items()):
        problems[module] = [f"check module failed to import: {error}"]
    files = sorted(folder.glob("*.yml"))
    if not files:
        raise ClaimsRegisterError(f"no claims files in {folder}", fix="the register is data/claims/<NNN>_<topic>.yml")
    seen: set[str] = set()
    order: dict[str, int] = {}
    raw_entries: dict[str, list[dict[str, Any]]] = {}
    root = project().root
    for file in files:
        try:
            rel = file.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            rel = file.as_posix()
        record_read("project", "", rel, hashlib.sha256(file.read_bytes()).hexdigest())
        prefix = file.name[:3] if file.name[:3].isdigit() else None
        try:
            entries = safe_load(file.read_text(encoding="utf-8")) or []
        except yaml.YAMLError as exc:
            problems[rel] = [f"not valid YAML: {' '.join(str(exc).split())}"]
            continue
        if not isinstance(entries, list):
            problems[rel] = ["must be a YAML list of claims"]
            continue
        raw_entries[file.name] = [e for e in entries if isinstance(e, dict)]
        for index, raw in enumerate(entries):
            key = str(raw.get("id")) if isinstance(raw, dict) and raw.get("id") else f"{rel}#{index + 1}"
            claim, issues = _validate_entry(raw, key, checks, known, prefix, chapters)
            if claim is not None and claim.id in seen:
                claim, issues = None, ["duplicate id (also earlier in the register)"]
                key = f"{key} ({rel}#{index + 1})"
            order.setdefault(key, len(order))
            if issues:
                problems[key] = issues
                invalid.append(_partial(raw, key, rel))
            else:
                seen.add(claim.id)
                claims.append(claim)
    return Register(claims, problems, invalid, order, raw_entries)


def register_entries(files: Iterable[str] | None = None, folder: Path | None = None) -> list[dict[str, Any]]:
    """The register's entries as written (valid or not), in register order; only ``files`` if given.

    For pages that list claims whose checks have not landed yet (so they are not in the
    validated register) or that need an entry's own ``claimed``/``args`` blocks. Read through
    :func:`load_register`, so every file read enters the build cache key.
    """
    register = load_register(folder, validate_indicators=False)
    wanted = None if files is None else set(files)
    return [e for name, entries in register.entries.items() if wanted is None or name in wanted for e in entries]


def register_entry(claim_id: str, folder: Path | None = None) -> dict[str, Any]:
    """One entry of the register as written (see :func:`register_entries`).

    Raises
    ------
    KeyError
        If no file of the register has an entry with that id.
    """
    for entry in register_entries(folder=folder):
        if entry.get("id") == claim_id:
            return entry
    raise KeyError(f"no claim {claim_id!r} in data/claims/*.yml")


def missing_checks(register: Register | None = None) -> list[str]:
    """Check names the register uses that no module registers (e.g. a chapter not merged yet)."""
    register = register or load_register(validate_indicators=False)
    checks = registered_checks()
    names = {c.check for c in register.claims if c.check}
    for issues in register.problems.values():
        for issue in issues:
            match = re.match(r"check function '([^']+)' is not registered", issue)
            if match:
                names.add(match.group(1))
    return sorted(n for n in names if n not in checks)


# ---------------------------------------------------------------------------------------
# Audit


def cap_rule(tolerance: str) -> str | None:
    """The kind of evidence whose cap a tolerance rule states, or None.

    "At most partly supported or partly contradicted (proxy)" -> ``proxy`` (``secondary``
    when the text names a secondary source); "at most partly supported" alone -> ``partial``.
    """
    text = tolerance or ""
    if _SYMMETRIC_CAP_PHRASE.search(text):
        return SECONDARY if re.search(r"\(secondary", text, re.I) else PROXY
    return PARTIAL if _CAP_PHRASE.search(text) else None


def cap(result: CheckResult, evidence: str = DIRECT) -> CheckResult:
    """Cap a verdict whose evidence is a proxy or a secondary source, on both sides.

    Parameters
    ----------
    result : what the check function found.
    evidence : the entry's ``evidence`` (:data:`EVIDENCE`).

    Returns
    -------
    CheckResult
        ``result`` itself for direct evidence or a verdict that is not at an end of the scale;
        otherwise the capped verdict (:data:`CAPPED`: *supported* -> *partly supported*,
        *contradicted* -> *partly contradicted*) with a sentence added to the detail.

    Notes
    -----
    A proxy measures something else than the claim (trade intensity for participation in
    value chains, industry for manufacturing) and a secondary source repeats a figure whose
    origin was not seen; either can lean for or against a claim but cannot settle it, so the
    rule is symmetric: the strength of the verdict is capped, its direction is kept.
    """
    if evidence not in EVIDENCE:
        raise ValueError(f"evidence must be one of {', '.join(EVIDENCE)}, got {evidence!r}")
    capped = CAPPED[evidence].get(result.verdict)
    if capped is None:
        return result
    why = {
        PROXY: "the measure is a proxy, which can neither fully support nor fully contradict the claim",
        SECONDARY: (
            "the figure comes from a secondary source, which can neither fully support nor fully contradict the claim"
        ),
        PARTIAL: "only part of the claim can be tested",
    }[evidence]
    note = f" {CAP_NOTE} '{capped}' because {why}."
    return CheckResult(capped, result.measured, result.detail.rstrip() + note, result.value)


def _clean_value(value: Any) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) or math.isinf(number) else number


def evaluate(claim: Claim, ctx: CheckContext, checks: dict[str, CheckFunction] | None = None) -> CheckResult:
    """One claim's verdict.

    A claim without a check is *not checkable* (its reason is the detail); data missing in
    the vintage make it *not checkable*; a check that raises, or returns something that is
    not a :class:`CheckResult` with a known verdict, gives the status ``check failed``.
    """
    if not claim.check:
        return CheckResult(NOT_CHECKABLE, "—", str(claim.not_checkable))
    checks = checks or registered_checks()
    fn = checks.get(claim.check)
    if fn is None:
        return CheckResult(FAILED, "—", f"check function {claim.check!r} is not registered")
    try:
        result = fn(claim, ctx, **claim.args)
    except (UnknownIndicatorError, DataNotFetchedError) as exc:
        return CheckResult(
            NOT_CHECKABLE, "—", f"Data not available in vintage {ctx.vintage or 'default'}: {exc.problem}"
        )
    except ImtradeError as exc:
        return CheckResult(FAILED, "—", f"{claim.check} failed: {exc.problem}")
    except Exception as exc:  # a bug in a check must not stop the audit of the others
        where = traceback.extract_tb(exc.__traceback__)[-1]
        return CheckResult(
            FAILED,
            "—",
            f"{claim.check} raised {exc.__class__.__name__}: {exc} ({Path(where.filename).name}, line {where.lineno})",
        )
    if not isinstance(result, CheckResult):
        return CheckResult(FAILED, "—", f"{claim.check} returned {type(result).__name__}, not a CheckResult")
    if result.verdict not in VERDICTS:
        return CheckResult(
            FAILED, str(result.measured), f"{claim.check} returned an unknown verdict {result.verdict!r}"
        )
    result = CheckResult(result.verdict, str(result.measured), str(result.detail), _clean_value(result.value))
    return cap(result, claim.evidence)


AUDIT_COLUMNS = [
    "id",
    "source",
    "chapter",
    "section",
    "kind",
    "claim",
    "claimed",
    "measured",
    "verdict",
    "detail",
    "value",
    "check",
    "tolerance",
    "evidence",
    "vintage",
]


def resolve_vintage(vintage: str | None) -> str:
    """The WDI vintage an audit runs on (the catalog default for None); unknown ones raise."""
    from imtrade.data.catalog import load_catalog
    from imtrade.data.load import default_vintage
    from imtrade.exceptions import UnknownVintageError

    if vintage is None:
        return default_vintage()
    known = load_catalog().dataset("wdi").all_vintages()
    if str(vintage) not in known:
        raise UnknownVintageError(
            f"no WDI vintage '{vintage}' (known: {', '.join(sorted(known))})",
            fix="use a catalogued vintage, or add one with `imtrade data add FILE --name NAME`",
        )
    return str(vintage)


def dataset_vintages(vintage: str | None) -> pd.DataFrame:
    """Which vintage of each dataset an audit on WDI ``vintage`` reads (dataset, title, vintage)."""
    from imtrade.data.catalog import load_catalog

    vintage = resolve_vintage(vintage)
    rows = []
    for ds in load_catalog().datasets.values():
        vintages = ds.all_vintages()
        rows.append(
            {"dataset": ds.id, "title": ds.title, "vintage": vintage if vintage in vintages else ds.default_vintage}
        )
    rows.append(
        {
            "dataset": CURATED_DATASET,
            "title": "Curated published figures (data/curated/)",
            "vintage": "this release of the book",
        }
    )
    return pd.DataFrame(rows)


def run_audit(
    vintage: str | None = None, chapter: str | None = None, *, register: Register | None = None
) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """Evaluate the register on one data vintage.

    Parameters
    ----------
    vintage : WDI vintage (None: the catalog default); other datasets use theirs.
    chapter : only the claims of this chapter.
    register : an already loaded register (default: :func:`load_register`).

    Returns
    -------
    (audit, problems)
        ``audit`` has one row per register entry (:data:`AUDIT_COLUMNS`), in register order;
        invalid entries have the status ``invalid entry`` and failed checks ``check failed``.
        ``problems`` maps an entry id (or file, or check module) to its register problems.
    """
    resolved = resolve_vintage(vintage)
    register = register or load_register()
    checks = registered_checks()
    ctx = CheckContext(resolved)
    rows = []
    for claim in register.claims:
        if chapter is not None and claim.chapter != chapter:
            continue
        result = evaluate(claim, ctx, checks)
        rows.append(
            {
                "id": claim.id,
                "source": claim.source_id,
                "chapter": claim.chapter,
                "section": claim.section,
                "kind": claim.kind,
                "claim": claim.claim,
                "claimed": claim.claimed_text(),
                "measured": result.measured,
                "verdict": result.verdict,
                "detail": result.detail,
                "value": result.value,
                "check": claim.check or "",
                "tolerance": claim.tolerance,
                "evidence": claim.evidence,
                "vintage": resolved,
            }
        )
    for entry in register.invalid:
        if chapter is not None and entry["chapter"] != chapter:
            continue
        issues = "; ".join(register.problems.get(entry["id"], []))
        rows.append(
            {
                **entry,
                "measured": "—",
                "verdict": INVALID,
                "detail": f"Register entry invalid: {issues}",
                "value": None,
                "vintage": resolved,
            }
        )
    audit = pd.DataFrame(rows, columns=AUDIT_COLUMNS).astype({"value": "float64"})
    position = audit["id"].map(register.order).fillna(len(register.order))
    audit = audit.iloc[position.argsort(kind="stable")].reset_index(drop=True)  # register order
    problems = (
        register.problems if chapter is None else {k: v for k, v in register.problems.items() if k in set(audit["id"])}
    )
    return audit, problems


def failures(audit: pd.DataFrame) -> pd.DataFrame:
    """Rows of an audit that could not be judged (``check failed`` or ``invalid entry``)."""
    return audit[audit["verdict"].isin([FAILED, INVALID])].reset_index(drop=True)


def summary_counts(audit: pd.DataFrame, by: str = "source") -> pd.DataFrame:
    """Counts of each verdict/status by ``by`` (rows) with a Total row and column."""
    statuses = [s for s in STATUSES if s in VERDICTS or (audit["verdict"] == s).any()]
    table = audit.groupby([by, "verdict"]).size().unstack("verdict", fill_value=0)
    table = table.reindex(columns=statuses, fill_value=0)
    table.columns = list(statuses)
    table["total"] = table.sum(axis=1)
    table.loc["total"] = table.sum(axis=0)
    table.index.name = by
    return table.astype(int)


def _same_value(a: Any, b: Any) -> bool:
    a, b = _clean_value(a), _clean_value(b)
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def compare_audits(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """Claims whose verdict, measured value or headline number differ between two audits.

    Columns: ``id, source, chapter, claim, measured_<v1>, verdict_<v1>, value_<v1>,
    measured_<v2>, verdict_<v2>, value_<v2>, change`` where ``change`` says what changed
    (``verdict`` or ``measured value``); claims only in one audit are listed as such.
    """
    v1, v2 = str(a["vintage"].iloc[0]) if len(a) else "a", str(b["vintage"].iloc[0]) if len(b) else "b"
    if v1 == v2:
        raise ClaimsRegisterError(
            f"both audits are of vintage {v1}: nothing to compare", fix="compare two different vintages"
        )
    keys = ["id", "source", "chapter", "claim"]
    merged = a[[*keys, "measured", "verdict", "value"]].merge(
        b[[*keys, "measured", "verdict", "value"]], on=keys, how="outer", suffixes=(f"_{v1}", f"_{v2}"), indicator=True
    )
    changes = []
    for row in merged.to_dict("records"):
        if row["_merge"] != "both":
            changes.append(f"only in {v1 if row['_merge'] == 'left_only' else v2}")
        elif row[f"verdict_{v1}"] != row[f"verdict_{v2}"]:
            changes.append("verdict")
        elif row[f"measured_{v1}"] != row[f"measured_{v2}"] or not _same_value(row[f"value_{v1}"], row[f"value_{v2}"]):
            changes.append("measured value")
        else:
            changes.append("")
    merged["change"] = changes
    cols = [
        *keys,
        f"measured_{v1}",
        f"verdict_{v1}",
        f"value_{v1}",
        f"measured_{v2}",
        f"verdict_{v2}",
        f"value_{v2}",
        "change",
    ]
    out = merged.loc[merged["change"] != "", cols]
    order = {claim_id: i for i, claim_id in enumerate(list(a["id"]) + list(b["id"]))}
    return out.iloc[out["id"].map(order).argsort(kind="stable")].reset_index(drop=True)


def compare_vintages(v1: str, v2: str, chapter: str | None = None) -> pd.DataFrame:
    """Claims whose measured value or verdict differs between two WDI vintages (see :func:`compare_audits`)."""
    r1, r2 = resolve_vintage(v1), resolve_vintage(v2)
    if r1 == r2:
        raise ClaimsRegisterError(f"--compare needs two different vintages, got {r1} twice")
    register = load_register()
    a, _ = run_audit(r1, chapter, register=register)
    b, _ = run_audit(r2, chapter, register=register)
    return compare_audits(a, b)


#: The proxy rule in one sentence, for the chapters' claims sections.
CAP_SENTENCE = (
    "A claim measured through a proxy or a secondary source can at most be partly supported or partly "
    "contradicted, and a claim of which only a part can be tested at most partly supported."
)


def verdict_counts_phrase(verdicts: Iterable[str]) -> str:
    """'4 supported, 1 partly supported, 2 inconclusive' from verdicts, in the order of :data:`STATUSES`.

    Parameters
    ----------
    verdicts : one verdict (or status) per claim, e.g. the ``Verdict`` column of :func:`verdict_table`.
    """
    counts = pd.Series(list(verdicts), dtype=object).value_counts()
    unknown = sorted(set(counts.index) - set(STATUSES))
    if unknown:
        raise ValueError(f"not a verdict or status: {', '.join(map(str, unknown))}")
    return ", ".join(f"{int(counts[s])} {s}" for s in STATUSES if counts.get(s, 0))


AUDIT_PAGE = "claims_audit"  # the appendix page (chapters/claims_audit.md) that lists every claim


def claim_anchor(claim_id: str) -> str:
    """HTML id of a claim's row on the audit appendix page."""
    return f"claim-{claim_id}"


def verdict_table(chapter: str, vintage: str | None = None, *, links: bool | None = None) -> pd.DataFrame:
    """A chapter's own claims with their verdicts, generated from the register.

    Columns: ``Claim (paraphrased)``, ``Claimed``, ``Measured``, ``Verdict``, ``Test and
    result`` and, when the book has the *Claims audit* appendix (or ``links=True``),
    ``Audit``: an HTML link to the claim's row there (render with
    :func:`imtrade.show.tables.show_table`, which keeps HTML).
    """
    audit, _ = run_audit(vintage, chapter=chapter)
    table = audit[["claim", "claimed", "measured", "verdict", "detail"]].rename(
        columns={
            "claim": "Claim (paraphrased)",
            "claimed": "Claimed",
            "measured": "Measured",
            "verdict": "Verdict",
            "detail": "Test and result",
        }
    )
    if links is None:
        links = (project().chapters / f"{AUDIT_PAGE}.md").is_file()
    if links:
        table["Audit"] = [f'<a href="{AUDIT_PAGE}.html#{claim_anchor(i)}">{i}</a>' for i in audit["id"]]
    return table
