"""Command-line interface: ``imtrade --help``.

Heavy libraries (pandas, papermill, jupyter-book) are imported inside commands so that
``--help`` and argument errors are instant. Every :class:`ImtradeError` is shown as one
message without a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from imtrade.exceptions import ImtradeError
from imtrade.paths import MIRROR_ENV

from . import __version__

JOBS = click.IntRange(min=1)  # --jobs 0 is refused everywhere (not silently serial)
SECONDS = click.FloatRange(min=0, min_open=True)  # a time limit must be positive


class ImtradeGroup(click.Group):
    """Turns our exceptions into one clear message and a non-zero exit."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ImtradeError as exc:
            click.secho(f"error: {exc}", fg="red", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.secho("interrupted: nothing was published or overwritten", fg="red", err=True)
            sys.exit(130)
        except OSError as exc:  # a read-only folder or a full disk: the machine's problem, not a bug
            from imtrade.exceptions import from_os_error

            problem = from_os_error(exc)
            if problem is None:
                raise
            click.secho(f"error: {problem}", fg="red", err=True)
            sys.exit(problem.exit_code)


@click.group(cls=ImtradeGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "-V", "--version", prog_name="imtrade")
def main() -> None:
    """Build and rerun the book *Intelligent Manufacturing and Global Trade*."""


# ---------------------------------------------------------------------------------------
# fetch


@main.command()
@click.argument("datasets", nargs=-1)
@click.option("--vintage", help="Only this vintage (default: every catalogued vintage).")
@click.option(
    "--mirror",
    type=click.Path(path_type=Path),
    help=f"Offline mirror to copy from (default: ${MIRROR_ENV}; without one, download).",
)
@click.option(
    "--source",
    type=click.Choice(["auto", "mirror", "upstream", "prefer-upstream", "worldbank-api"]),
    default="auto",
    show_default=True,
    help="auto: the mirror when one is set, else upstream. prefer-upstream: upstream where the catalog has a "
    "byte-stable URL, the mirror for the rest. worldbank-api: download the newest WDI data (dataset wdi only).",
)
@click.option(
    "--indicator",
    "indicators",
    multiple=True,
    help="worldbank-api only: indicator code(s) (default: those of the default vintage).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Fetch and verify every checksum again even if the files look up to date (a fetched file is "
    "trusted while its size and modification time are unchanged).",
)
def fetch(datasets, vintage, mirror, source, indicators, force):
    """Fetch DATASETS (default: all in data/catalog.yml), verified against their checksums."""
    if source == "worldbank-api":
        from imtrade.data.worldbank_api import fetch_latest

        if list(datasets) not in ([], ["wdi"]):
            raise click.UsageError("--source worldbank-api fetches the dataset 'wdi' only")
        result = fetch_latest(list(indicators) or None, progress=sys.stderr.isatty())
        click.echo(
            f"wdi {result.vintage}: {result.indicators} indicators, {result.rows} rows "
            f"from api.worldbank.org -> {result.path}"
        )
        return
    from imtrade.data.fetch import fetch as run_fetch

    results = run_fetch(
        list(datasets) or None, vintage, mirror=mirror, source=source, force=force, progress=sys.stderr.isatty()
    )
    for r in results:
        click.echo(
            f"{r.dataset:12} {r.vintage:11} {r.status:10} {r.files:4d} files "
            f"{r.bytes / 1e6:7.1f} MB  {r.seconds:5.2f} s  {r.source}"
        )


# ---------------------------------------------------------------------------------------
# data


@main.group()
def data() -> None:
    """Inspect, extend and maintain the data layer."""


@data.command("list")
def data_list():
    """Datasets and vintages, and whether each is fetched."""
    from imtrade.data.catalog import load_catalog
    from imtrade.data.fetch import is_fetched

    for ds in load_catalog().datasets.values():
        for v in ds.all_vintages().values():
            state = "fetched" if is_fetched(ds.id, v.id) else "not fetched"
            extra = f" (local, {v.origin}, base {v.base})" if v.local else ""
            default = " [default]" if v.id == ds.default_vintage else ""
            click.echo(f"{ds.id:12} {v.id:22} {state:12}{default}{extra}  {ds.title}")


@data.command("manifest")
@click.argument("dataset")
@click.option("--vintage", help="Vintage (default: the dataset's default).")
@click.option("--mirror", type=click.Path(path_type=Path), help=f"Mirror to scan (default: ${MIRROR_ENV}).")
@click.option(
    "--write",
    is_flag=True,
    help="Write the manifest of a vintage that has none yet (otherwise only show what changed). "
    "An existing manifest is never rewritten: new content is a new vintage.",
)
def data_manifest(dataset, vintage, mirror, write):
    """Regenerate DATASET's checksum manifest from a mirror and show what changed.

    A catalogued vintage's manifest is the record of what that vintage is: ``--write`` writes
    the manifest of a vintage newly added to data/catalog.yml and refuses to change an existing
    one (register the new content as a new vintage instead).
    """
    from imtrade.data.catalog import (
        CatalogError,
        diff_manifests,
        load_catalog,
        manifest_path,
        read_manifest,
        scan_directory,
        write_manifest,
    )
    from imtrade.exceptions import MirrorNotFoundError
    from imtrade.paths import default_mirror

    ds = load_catalog().dataset(dataset)
    v = ds.vintage(vintage)
    mirror = mirror or default_mirror()
    if mirror is None or not v.mirror or not (mirror / v.mirror).is_dir():
        raise MirrorNotFoundError(
            f"no mirror directory for {dataset} {v.id}", fix="pass --mirror PATH (e.g. ../shared/data)"
        )
    new = scan_directory(mirror / v.mirror)
    path = manifest_path(dataset, v.id)
    try:
        old = read_manifest(path)
    except CatalogError:
        old = {}
    changes = diff_manifests(old, new)
    count = sum(map(len, changes.values()))
    if write and path.exists() and (count or not old):
        differs = f"the mirror differs from it in {count} file(s)" if old else "the manifest cannot be read"
        raise CatalogError(
            f"{dataset} {v.id} is a catalogued vintage with a manifest ({path}); {differs}, and the manifest was "
            "not rewritten (a vintage's checksums never change)",
            fix=f"if the mirror is damaged, restore it; if upstream published new data, add a new vintage of {dataset} "
            f"to data/catalog.yml (its own id and mirror folder) and run `imtrade data manifest {dataset} "
            "--vintage NEW --write` (reviewed in a commit)",
        )
    for kind, items in changes.items():
        for item in items:
            click.echo(f"{kind:8} {item}")
    click.echo(f"{dataset} {v.id}: {len(new)} files; {count} change(s)")
    if write and path.exists():
        click.echo(f"{path} is up to date; nothing written")
    elif write:
        write_manifest(path, new)
        click.echo(f"wrote {path}")


@data.command("entities")
@click.option("--aggregates/--no-aggregates", default=True, show_default=True)
def data_entities(aggregates):
    """Every entity code with its name, region and income group."""
    from imtrade.data.load import load_entities

    table = load_entities(include_aggregates=aggregates)
    click.echo(table[["iso3", "name", "region", "income_group", "is_aggregate"]].to_string(index=False))


@data.command("indicators")
@click.option("--search", "text", help="Only indicators whose code or name contains TEXT.")
@click.option("--vintage")
def data_indicators(text, vintage):
    """Indicators available (code, dataset, name)."""
    from imtrade.data.load import indicator_metadata

    meta = indicator_metadata(vintage=vintage)
    if text:
        mask = meta["indicator"].str.contains(text, case=False, regex=False) | meta["name"].str.contains(
            text, case=False, regex=False
        )
        meta = meta[mask]
    for row in meta.itertuples():
        click.echo(f"{row.indicator:45} {row.dataset:11} {row.name}")


@data.command("cache")
@click.option("--vintage", help="WDI vintage (default: all fetched).")
@click.option("--jobs", "-j", type=JOBS, default=2, show_default=True)
def data_cache(vintage, jobs):
    """Parse every fetched file into the processed cache (cold start for the whole vintage)."""
    from imtrade.data.warm_cache import warm_cache

    n, seconds = warm_cache(vintage=vintage, jobs=jobs)
    click.echo(f"parsed/cached {n} files in {seconds:.1f} s")


@data.command("clean-cache")
def data_clean_cache():
    """Remove processed-cache files that the current code and fetched data no longer use."""
    from imtrade.data.warm_cache import clean_cache

    removed, size, kept = clean_cache()
    click.echo(f"removed {removed} stale cache file(s) ({size / 1e6:.1f} MB); kept {kept}")


@data.command("add")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name", help="Name of the new vintage (default: user-<file stem>-<date>).")
@click.option(
    "--base", help="Vintage to fall back to for indicators the file does not hold (default: the WDI default)."
)
@click.option("--replace", is_flag=True, help="Replace the local vintage --name if it exists (otherwise refused).")
def data_add(file, name, base, replace):
    """Register FILE (World Bank bulk CSV or tidy CSV) as a new WDI vintage."""
    from imtrade.data.vintages import add_user_file

    result = add_user_file(file, name=name, base=base, replace=replace)
    for note in result.notes:
        click.secho(f"note: {note}", fg="yellow", err=True)
    click.echo(
        f"added {result.rows} values of {len(result.indicators)} indicator(s) ({', '.join(result.indicators)}) "
        f"as vintage '{result.vintage}' (base {result.base}).\n"
        f"Rerun a chapter on it: imtrade run CHAPTER -p vintage {result.vintage}"
    )


# ---------------------------------------------------------------------------------------
# chapters and the book


@main.command()
@click.argument("chapter")
def params(chapter):
    """List CHAPTER's parameters: name, type, default and meaning."""
    import json

    from imtrade.book.toc import chapter as find_chapter

    ch = find_chapter(chapter)
    declared = ch.parameters()
    click.echo(f"{ch.name}: {ch.title()}")
    width = max(len(n) for n in declared)
    for p in declared.values():
        click.echo(f"  {p.name:{width}}  {p.type:11}  default {json.dumps(p.default):32}  {p.help}")


def _given_parameters(pairs, params_file) -> dict:
    import yaml

    from imtrade.exceptions import ParameterError

    given = {}
    if params_file is not None:
        if not params_file.is_file():  # a FIFO or device would block the read or never end
            raise ParameterError(
                f"{params_file} is not a regular file", fix="pass a YAML file of parameter values, e.g. params.yml"
            )
        try:
            loaded = yaml.safe_load(params_file.read_text(encoding="utf-8")) or {}
        except UnicodeDecodeError as exc:
            raise ParameterError(
                f"{params_file} is not UTF-8 text (byte {exc.start} cannot be decoded)",
                fix="save the parameters file as UTF-8 YAML, e.g. `countries: [KOR, MEX]`",
            ) from None
        except OSError as exc:
            raise ParameterError(f"cannot read {params_file}: {exc.strerror}") from None
        except yaml.YAMLError as exc:
            raise ParameterError(f"{params_file} is not valid YAML: {exc}") from None
        if not isinstance(loaded, dict):
            raise ParameterError(f"{params_file} must map parameter names to values")
        given.update(loaded)
    for name, value in pairs:
        given[name] = value  # strings: coerced to the declared type
    return given


@main.command()
@click.argument("chapter")
@click.option(
    "-p",
    "--parameter",
    "pairs",
    nargs=2,
    multiple=True,
    metavar="NAME VALUE",
    help="Set a parameter (repeatable). Lists: KOR,MEX or [KOR, MEX].",
)
@click.option(
    "-f",
    "--parameters-file",
    "params_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="YAML file of parameter values.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Executed notebook (default: _build/runs/<chapter>-<hash>.ipynb).",
)
@click.option("--timeout", type=click.IntRange(min=1), default=900, show_default=True, help="Seconds allowed per cell.")
def run(chapter, pairs, params_file, output, timeout):
    """Execute one CHAPTER with papermill, with validated parameters."""
    import hashlib
    import json

    from imtrade.book.execute import execute_chapter
    from imtrade.book.toc import chapter as find_chapter
    from imtrade.paths import project

    ch = find_chapter(chapter)
    values = ch.resolve(_given_parameters(pairs, params_file))  # every check before execution
    if output is None:
        digest = hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()[:10]
        output = project().build / "runs" / f"{ch.name}-{digest}.ipynb"
    result = execute_chapter(
        ch, values, output, cwd=output.parent, timeout=timeout, failed_dir=project().build / "failed"
    )
    click.echo(f"executed {ch.name} in {result.seconds:.1f} s -> {result.output}")


@main.command()
@click.option("-j", "--jobs", type=JOBS, default=2, show_default=True, help="Chapters executed in parallel.")
@click.option("--force", is_flag=True, help="Execute every chapter and rebuild the site even if nothing changed.")
@click.option("--strict", is_flag=True, help="Fail on any Sphinx warning (-W -n --keep-going).")
@click.option(
    "--edition",
    type=click.Choice(["instructor", "student"]),
    default="instructor",
    show_default=True,
    help="instructor: the reader's site, solutions collapsed (_build/html). "
    "student: no solutions anywhere (_build/student/html).",
)
def build(jobs, force, strict, edition):
    """Execute changed chapters and build the site into _build/html."""
    from imtrade.book.build import build as run_build

    report = run_build(jobs=jobs, force=force, strict=strict, progress=click.echo, edition=edition)
    for warning in report.warnings:
        click.secho(f"warning: {warning}", fg="yellow", err=True)
    click.echo(f"done in {report.seconds:.1f} s")


@main.command()
@click.option("--date", help="Date of the edition, YYYY-MM-DD (default: today, UTC). Same date again: replaces it.")
@click.option(
    "--base-url",
    help="Address the site is published at, e.g. https://owner.github.io/repo/ (default: html.baseurl of _config.yml).",
)
@click.option(
    "--site",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of published editions to add to (default: _build/publish; e.g. a checkout of gh-pages).",
)
@click.option("-j", "--jobs", type=JOBS, default=2, show_default=True, help="Chapters executed in parallel.")
@click.option("--pdf/--no-pdf", default=True, show_default=True, help="Print the whole book to book.pdf (Chromium).")
@click.option("--strict", is_flag=True, help="Fail on any Sphinx warning.")
def publish(date, base_url, site, jobs, pdf, strict):
    """Build a dated edition (site, PDF, citations) and add it to the published editions."""
    from imtrade.book.publish import publish as run_publish

    report = run_publish(
        date=date, base_url=base_url, site=site, jobs=jobs, pdf=pdf, strict=strict, progress=click.echo
    )
    click.echo(f"published {report.edition.date} -> {report.folder} (index: {report.site / 'editions' / 'index.html'})")
    if report.older:
        click.echo(f"marked as older: {', '.join(report.older)}")
    click.echo(f"done in {report.seconds:.1f} s")


# ---------------------------------------------------------------------------------------
# course assignments


@main.command()
@click.argument("chapter")
@click.option(
    "--roster",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="CSV with columns id,name (one student a line).",
)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write (must not exist or be empty, unless --force).",
)
@click.option(
    "--pool",
    type=click.Path(dir_okay=False, path_type=Path),
    help="YAML: parameter -> list of candidate values (default: the chapter's `imtrade: pool:`).",
)
@click.option(
    "--seed",
    default="0",
    show_default=True,
    help="Seed of the draws: same roster, pool and seed give the same assignments.",
)
@click.option("-j", "--jobs", type=JOBS, default=2, show_default=True, help="Answer keys computed in parallel.")
@click.option(
    "--timeout",
    type=SECONDS,
    default=900,
    show_default=True,
    help="Seconds allowed for one execution of the instructor version.",
)
@click.option(
    "--keys",
    "keys",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of the answer keys, outside OUT (default: OUT-keys beside OUT); created 0700, keys 0600.",
)
@click.option("--force", is_flag=True, help="Replace OUT (and the keys folder) if they exist.")
@click.option(
    "--release-date",
    help="YYYY-MM-DD: from this day (UTC) on, feedback shows the expected values (default: always hidden).",
)
def assign(chapter, roster, out, pool, seed, jobs, timeout, keys, force, release_date):
    """Give each student of ROSTER their own variant of CHAPTER's exercises, with an answer key.

    Writes OUT/<id>/<chapter>.ipynb (no solutions, parameters injected) and OUT/assignments.csv:
    OUT is what students receive. The keys go to KEYS/<id>.json, never inside OUT.
    """
    from imtrade.assignments.assign import assign as run_assign
    from imtrade.book.toc import chapter as find_chapter

    report = run_assign(
        find_chapter(chapter),
        roster,
        out,
        keys=keys,
        pool=pool,
        seed=seed,
        jobs=jobs,
        timeout=timeout,
        force=force,
        release_date=release_date,
        progress=click.echo,
    )
    click.echo(
        f"assigned {chapter} to {len(report.students)} student(s) ({report.variants} variant(s)) "
        f"in {report.seconds:.1f} s -> {report.out} (keys: {report.keys})"
    )


@main.command()
@click.argument("submissions", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--keys",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The keys folder written by `imtrade assign` (OUT-keys by default).",
)
@click.option(
    "--timeout",
    type=SECONDS,
    default=300,
    show_default=True,
    help="Seconds allowed for one whole notebook (kernel start included).",
)
@click.option("-j", "--jobs", type=JOBS, default=2, show_default=True, help="Submissions executed in parallel.")
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where grades.csv, results/ and feedback/ go (default: SUBMISSIONS).",
)
@click.option("--regrade", is_flag=True, help="Grade every student again (default: keep unchanged earlier grades).")
@click.option(
    "--show-expected",
    is_flag=True,
    help="Show the expected values in the feedback now (default: hidden until the assignment's --release-date).",
)
@click.option(
    "--rubric-points",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The review.csv of the free-text answers with the points column filled in: merged into the grades.",
)
@click.option(
    "--class-timeout",
    type=click.IntRange(min=1),
    default=None,
    help="Seconds allowed for the whole class: no run starts after it and a running one is stopped; "
    "students not graded are listed, and a rerun grades them (default: no limit beyond --timeout per run).",
)
@click.option(
    "--unsafe-no-sandbox",
    is_flag=True,
    help="DANGEROUS: run submissions without the bubblewrap sandbox, with your rights, files, keys and "
    "network. Only for notebooks you trust.",
)
def grade(
    submissions, keys, timeout, jobs, out, regrade, show_expected, rubric_points, class_timeout, unsafe_no_sandbox
):
    """Execute and score every submission in SUBMISSIONS (<id>/<chapter>.ipynb or <id>.ipynb).

    Each submission runs in a bubblewrap sandbox (no network, no keys, no other submissions,
    resource limits); without bubblewrap this refuses to run unless --unsafe-no-sandbox.
    Writes results/<id>.json, grades.csv and feedback/<id>.md as each student finishes; a rerun
    keeps the grades of unchanged submissions. A submission that cannot be read, fails, times
    out or changes its parameters scores zero on what is affected, with the reason. Free-text
    answers go to review.csv (rubric beside each, points to fill in; merge with --rubric-points).
    """
    import signal

    from imtrade.assignments.grade import find_submissions, load_keys
    from imtrade.assignments.grade import grade as run_grade
    from imtrade.exceptions import AssignmentError

    key_map = load_keys(keys)
    chapter = next(iter(key_map.values()))["chapter"]
    found, notes = find_submissions(submissions, chapter, set(key_map))
    if not found:  # e.g. the wrong folder: nothing to grade is an error, not a table of zeros
        raise AssignmentError(
            f"{submissions} holds no submission of the {len(key_map)} student(s) of {keys}"
            + (f" ({'; '.join(notes[:5])})" if notes else " (it is empty)"),
            fix=f"pass the folder of the submissions: <id>/{chapter}.ipynb or <id>.ipynb, one per student; "
            "nothing was written",
        )

    def stop(signum, _frame):  # a killed grader keeps every grade written so far (and no sandbox)
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    report = run_grade(
        submissions,
        keys,
        timeout=timeout,
        jobs=jobs,
        out=out,
        progress=click.echo,
        unsafe_no_sandbox=unsafe_no_sandbox,
        regrade=regrade,
        show_expected=show_expected,
        rubric_points=rubric_points,
        class_timeout=class_timeout,
    )
    for note in report.notes:
        click.secho(f"note: {note}", fg="yellow", err=True)
    ok = sum(g.status == "ok" for g in report.grades)
    click.echo(
        f"graded {len(report.grades)} student(s) ({ok} without problems) in {report.seconds:.1f} s "
        f"-> {report.csv}, {report.feedback}/"
    )


# ---------------------------------------------------------------------------------------
# claims audit


@main.command()
@click.option("--vintage", help="WDI data vintage (default: the catalog's default); other datasets use their own.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help="Output format.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File written (default: _build/audit/audit-<vintage>.<ext>, or compare-<V1>-<V2>.<ext>).",
)
@click.option(
    "--compare",
    nargs=2,
    metavar="V1 V2",
    help="Only the claims whose measured value or verdict changes between vintages V1 and V2.",
)
@click.option(
    "--chapter",
    help="Only the claims discussed in this chapter (a chapter of _toc.yml, e.g. trade_patterns).",
)
def audit(vintage, fmt, output, compare, chapter):
    """Check every claim of the source texts against the data; print and write the verdicts.

    Each entry of data/claims/*.yml is measured by its check function (or listed with the
    reason why public data cannot check it) and gets a verdict: supported, partly supported,
    contradicted or not checkable. Register problems and failed checks are listed at the end
    (on stderr).

    Exit status: 0 when every register entry is valid and every check ran, whatever the
    verdicts; 1 when the register has problems or a check failed (the other claims are still
    audited and written); 2 for a bad option.
    """
    from imtrade.claims import (
        FAILED,
        book_chapters,
        compare_audits,
        load_register,
        resolve_vintage,
        run_audit,
    )
    from imtrade.claims import output as out
    from imtrade.paths import project

    known = book_chapters()
    if chapter is not None and known and chapter not in known:
        raise click.BadParameter(f"unknown chapter {chapter!r} (one of {', '.join(known)})", param_hint="--chapter")
    if compare and vintage:
        raise click.UsageError("give either --vintage or --compare V1 V2, not both")
    register = load_register()
    if compare:
        v1, v2 = (resolve_vintage(v) for v in compare)
        if v1 == v2:
            raise click.BadParameter(f"the two vintages are the same ({v1})", param_hint="--compare")
        a, problems = run_audit(v1, chapter, register=register)
        b, _ = run_audit(v2, chapter, register=register)
        changes = compare_audits(a, b)
        failed = sorted(set(a.loc[a["verdict"] == FAILED, "id"]) | set(b.loc[b["verdict"] == FAILED, "id"]))
        text = {
            "table": lambda: out.comparison_text(changes, v1, v2, len(a)),
            "csv": lambda: out.to_csv(changes),
            "json": lambda: out.comparison_json(changes, problems, v1, v2, failed),
        }[fmt]()
        report = a.assign(verdict=[FAILED if i in failed else v for i, v in zip(a["id"], a["verdict"], strict=True)])
        resolved = v1
    else:
        resolved = resolve_vintage(vintage)
        report, problems = run_audit(resolved, chapter, register=register)
        failed = list(report.loc[report["verdict"] == FAILED, "id"])
        text = {
            "table": lambda: out.audit_text(report, resolved),
            "csv": lambda: out.to_csv(report),
            "json": lambda: out.audit_json(report, problems, resolved),
        }[fmt]()
    target = output or out.default_output(
        project().build, fmt, resolved, chapter=chapter, compare=(v1, v2) if compare else None
    )
    out.write_text(target, text)
    click.echo(text, nl=False)
    issues = out.problems_text(problems, report)
    if issues:
        click.secho(issues, fg="red", err=True, nl=False)
    click.echo(f"wrote {target}", err=True)
    if problems or failed:
        raise SystemExit(1)


# ---------------------------------------------------------------------------------------
# batch runs


@main.command()
@click.argument("spec", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-j", "--jobs", type=JOBS, default=2, show_default=True, help="Local worker processes (ignored with --scheduler)."
)
@click.option(
    "--scheduler", metavar="ADDRESS", help="Run on an existing Dask distributed scheduler, e.g. tcp://10.0.0.5:8786."
)
@click.option(
    "--continue-on-error",
    is_flag=True,
    help="Run every run; report all failures at the end (exit 1). Default: stop at the first.",
)
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), help="Output folder (default: _build/batch/<spec name>)."
)
@click.option("--limit", type=click.IntRange(min=1), help="Only the first N runs of the spec (smoke tests).")
@click.option("--force", is_flag=True, help="Execute every run even if its output is up to date.")
@click.option(
    "--retries",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    help="Run again a run that failed for a transient reason (a cell timeout, a dead kernel or worker), "
    "at most N times; never one whose notebook failed in its own code.",
)
def batch(spec, jobs, scheduler, continue_on_error, out, limit, force, retries):
    """Run the chapters and parameter sets of SPEC (YAML): many briefs, vintages, students.

    Every run is checked before any starts; finished runs are skipped on a rerun (same
    cache keys as `imtrade build`). Outputs, logs and summary.csv go to _build/batch/<name>/.
    """
    from imtrade.batch import load_spec, run_batch

    loaded = load_spec(spec)
    report = run_batch(
        loaded,
        jobs=jobs,
        scheduler=scheduler,
        continue_on_error=continue_on_error,
        out=out,
        limit=limit,
        force=force,
        echo=click.echo,
        retries=retries,
    )
    report.raise_for_failures()


if __name__ == "__main__":  # pragma: no cover
    main()
