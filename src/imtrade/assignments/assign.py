"""``imtrade assign``: one variant of a chapter's exercises per student, with its answer key.

For each student of the roster, every parameter of the pool gets one of its candidate values,
drawn from ``sha256(seed, student id, parameter)`` — deterministic, independent between
parameters and students, and stable when students are added to the roster. The draw is
validated by the chapter's own checks (:meth:`imtrade.book.toc.Chapter.resolve`: names, types,
semantic checks); a draw the chapter rejects is an error naming the student and the values.
It is *not* silently redrawn: a redraw would hide a bad pool entry and change the odds of
the others, so the instructor fixes the pool instead.

Output (byte-identical for the same chapter, roster, pool and seed)::

    DIR/assignments.csv            id, name, one column per drawn parameter (JSON values)
    DIR/<id>/<chapter>.ipynb       the student version: solutions removed, answer cells in
                                   their place, parameters injected as papermill does it, not executed
    KEYS/<id>.json                 the answer key: parameters, declared answers with the
                                   values the instructor version computes for them, tolerances, points

The keys folder (default ``DIR-keys`` beside ``DIR``) is never inside the handout folder
(``imtrade assign`` refuses it: ``DIR`` is what students receive); it is created ``0700``
and each key ``0600``, readable by the instructor only.

Keys are computed by executing the instructor version (solutions included) with the
student's parameters in a fresh kernel; students who drew the same values share one execution.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from imtrade.assignments.editions import (
    Answer,
    Rubric,
    declared_answers,
    declared_pool,
    declared_rubrics,
    student_source,
)
from imtrade.assignments.runner import (
    KERNEL_NAME,
    CaptureError,
    capture_cell,
    captured,
    cell_errors,
    run_notebook,
)
from imtrade.book.params import check_name, coerce
from imtrade.book.toc import Chapter
from imtrade.exceptions import AssignmentError, ParameterError

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
RESERVED_IDS = ("keys", "feedback", "results")  # folder names of the outputs of assign and grade
KEY_TIMEOUT = 900  # seconds for one execution of the instructor version


@dataclass(frozen=True)
class Student:
    id: str
    name: str


# ---------------------------------------------------------------------------------------
# Roster and pool


def _problems(where: str, problems: list[str], fix: str) -> AssignmentError:
    shown = problems[:25] + ([f"... and {len(problems) - 25} more"] if len(problems) > 25 else [])
    return AssignmentError(f"{where}: {len(problems)} problem(s):\n  - " + "\n  - ".join(shown), fix=fix)


def read_roster(path: Path) -> list[Student]:
    """Students of a CSV roster with columns ``id`` and ``name`` (others are ignored).

    Ids become folder and file names: letters, digits, ``.``, ``_``, ``-``, unique regardless
    of case. Every problem is reported at once, each with its line number.
    """
    path = Path(path)
    if not path.is_file():
        raise AssignmentError(f"roster {path} does not exist")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise AssignmentError(
            f"roster {path} is not UTF-8 text ({exc.reason} at byte {exc.start})", fix="save it as UTF-8 CSV"
        ) from None
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    columns = [h.strip().lower() for h in header] if header else []
    missing = [c for c in ("id", "name") if c not in columns]
    if missing:
        raise AssignmentError(
            f"roster {path}: the header must have the columns id and name (missing: "
            f"{', '.join(missing)}; found: {', '.join(columns) or 'nothing'})",
            fix="first line e.g. `id,name`",
        )
    at_id, at_name = columns.index("id"), columns.index("name")
    students: list[Student] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        sid = row[at_id].strip() if at_id < len(row) else ""
        name = row[at_name].strip() if at_name < len(row) else ""
        where = f"line {line}" + (f" (id {sid!r})" if sid else "")
        if not sid:
            problems.append(f"line {line}: the id is missing" + (f" (name {name!r})" if name else ""))
        elif not ID_PATTERN.match(sid):
            problems.append(
                f"{where}: an id may only hold letters, digits, '.', '_' "
                "and '-' (at most 64, starting with a letter or digit)"
            )
        elif sid.lower() in RESERVED_IDS:
            problems.append(f"{where}: {sid!r} is reserved (it names an output folder)")
        elif sid.lower() in seen:
            problems.append(f"{where}: the id repeats line {seen[sid.lower()]}")
        else:
            seen[sid.lower()] = line
        if not name:
            problems.append(f"{where}: the name is empty")
        if sid and name:
            students.append(Student(sid, name))
    if problems:
        raise _problems(f"roster {path}", problems, "correct the roster; nothing was written")
    if not students:
        raise AssignmentError(f"roster {path} lists no students", fix="one line per student after the header `id,name`")
    return students


def read_pool(path: Path) -> dict[str, Any]:
    """A pool file: YAML mapping each parameter to its list of candidate values."""
    path = Path(path)
    if not path.is_file():
        raise AssignmentError(f"pool file {path} does not exist")
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise AssignmentError(f"pool file {path} is not valid YAML: {exc}") from None
    if loaded is not None and not isinstance(loaded, dict):
        raise AssignmentError(
            f"pool file {path} must map parameter names to lists of candidate values",
            fix="e.g. `break_year: [2008, 2009, 2011]`",
        )
    return loaded or {}


def check_pool(pool: Any, chapter: Chapter, where: str = "pool") -> dict[str, list[Any]]:
    """Validate a pool against the chapter's declared parameters; return typed candidates."""
    if not pool:
        raise AssignmentError(
            f"{where} is empty: there is nothing to draw",
            fix="list at least one parameter with its candidate values, e.g. `break_year: [2008, 2009, 2011]`",
        )
    if not isinstance(pool, dict):
        raise AssignmentError(f"{where} must map parameter names to lists of candidate values")
    declared = chapter.parameters()
    typed: dict[str, list[Any]] = {}
    problems: list[str] = []
    for name, candidates in pool.items():
        try:
            check_name(name, declared, chapter.name)
        except ParameterError as exc:
            problems.append(exc.problem)
            continue
        kind = declared[name].type
        if not isinstance(candidates, list) or not candidates:
            problems.append(f"{name!r} has no candidate values (give a non-empty list)")
            continue
        values = []
        for candidate in candidates:
            if kind.startswith("list[") and not isinstance(candidate, list):
                problems.append(
                    f"{name!r}: candidate {candidate!r} must itself be a "
                    f"list ({name} is {kind}), e.g. [[KOR, MEX], [VNM, IND]]"
                )
                continue
            try:
                values.append(coerce(name, kind, candidate))
            except ParameterError as exc:
                problems.append(f"{name!r}: candidate {candidate!r}: {exc.problem}")
        typed[name] = values
    if problems:
        raise _problems(where, problems, f"see `imtrade params {chapter.name}` for names and types")
    return typed


def draw(pool: dict[str, list[Any]], seed: str, student_id: str) -> dict[str, Any]:
    """One candidate per parameter, chosen by ``sha256(seed, student id, parameter)``."""
    values = {}
    for name, candidates in pool.items():
        digest = hashlib.sha256("\x1f".join((str(seed), student_id, name)).encode("utf-8")).digest()
        values[name] = candidates[int.from_bytes(digest[:8], "big") % len(candidates)]
    return values


def _show(values: dict[str, Any]) -> str:
    return ", ".join(f"{k}={json.dumps(v)}" for k, v in values.items())


# ---------------------------------------------------------------------------------------
# Notebooks


def _plain(nb):
    """Deterministic notebook: no cell ids (nbformat 4.4), no empty tags, no run metadata."""
    for cell in nb.cells:
        cell.pop("id", None)
        if not cell.metadata.get("tags"):
            cell.metadata.pop("tags", None)
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    nb.nbformat, nb.nbformat_minor = 4, 4
    nb.metadata.pop("jupytext", None)
    nb.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": "Python 3", "language": "python"}
    return nb


def inject_parameters(nb, parameters: dict[str, Any]):
    """Add papermill's ``injected-parameters`` cell after the ``parameters`` cell (as ``papermill --prepare-only``)."""
    from papermill.parameterize import parameterize_notebook

    for cell in nb.cells:
        cell.metadata.setdefault("tags", [])
    nb.metadata["papermill"] = {"parameters": {}}
    nb = parameterize_notebook(nb, parameters, kernel_name=KERNEL_NAME, language="python")
    nb.metadata["papermill"] = {"parameters": parameters}
    return _plain(nb)


def student_notebook(chapter: Chapter, parameters: dict[str, Any], student: Student):
    """The student's notebook: solutions removed, answer cells, parameters injected, not executed."""
    import jupytext

    nb = jupytext.reads(student_source(chapter.source, str(chapter.path)), fmt="md:myst")
    nb = inject_parameters(nb, parameters)
    nb.metadata["imtrade"] = {"assignment": {"chapter": chapter.name, "student": student.id}}
    return nb


def instructor_notebook(chapter: Chapter, parameters: dict[str, Any]):
    """The instructor version (solutions included) with ``parameters`` injected."""
    import jupytext

    return inject_parameters(jupytext.reads(chapter.source, fmt="md:myst"), parameters)


def kernel_environment(chapter: Chapter) -> dict[str, str]:
    """Environment of the kernels: this project's root, fixed hash seed, the chapter's name."""
    from imtrade.paths import CHAPTER_ENV, ROOT_ENV, project

    return {**os.environ, ROOT_ENV: str(project().root), "PYTHONHASHSEED": "0", CHAPTER_ENV: chapter.name}


def write_notebook(nb, path: Path) -> None:
    import nbformat

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")


# ---------------------------------------------------------------------------------------
# Answer keys


def compute_key(
    chapter: Chapter, parameters: dict[str, Any], answers: list[Answer], timeout: float
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Execute the instructor version with ``parameters``: (answer values, final parameter values).

    Raises :class:`AssignmentError` if the instructor version fails, times out or leaves a
    declared answer undefined, ``None`` or of a type that cannot be graded.
    """
    declared = list(chapter.parameters())
    nb = instructor_notebook(chapter, parameters)
    nb.cells.append(capture_cell([a.variable for a in answers], declared))
    result = run_notebook(nb, timeout=timeout, env=kernel_environment(chapter))
    if result.status != "ok":
        raise AssignmentError(f"the instructor version {result.message}")
    errors = cell_errors(result.notebook)
    if errors:
        raise AssignmentError("the instructor version failed: " + "; ".join(errors[:3]))
    try:
        values = captured(result.notebook, [a.variable for a in answers], declared)
    except CaptureError as exc:
        raise AssignmentError(f"the instructor version ran, but its answers could not be read back: {exc}") from None
    if values is None:
        raise AssignmentError("the instructor version ran, but the answers could not be read back")
    expected, problems = {}, []
    for answer in answers:
        entry = values["answers"].get(answer.variable, {"defined": False})
        value = entry.get("value")
        if not entry.get("defined"):
            problems.append(f"{answer.variable} is not defined by the solutions")
        elif "value" not in entry or value is None or isinstance(value, list):
            problems.append(
                f"{answer.variable} is {entry.get('repr', value)!r} ({entry.get('type')}), not a number or short text"
            )
        elif answer.tolerance is not None and not isinstance(value, int | float):
            problems.append(f"{answer.variable} = {value!r} is text but has a numeric tolerance")
        else:
            expected[answer.variable] = value
    if problems:
        raise AssignmentError("; ".join(problems), fix="fix the chapter's solution cells or its answer declarations")
    state = {name: entry.get("value") for name, entry in values["parameters"].items()}
    return expected, state


def key_document(
    chapter: Chapter,
    student: Student,
    seed: str,
    drawn: dict[str, Any],
    answers: list[Answer],
    expected: dict[str, Any],
    state: dict[str, Any],
    rubrics: list[Rubric] = (),
    release_date: str | None = None,
) -> dict[str, Any]:
    return {
        "release_date": release_date,
        "written": [r.as_dict() for r in rubrics],
        "chapter": chapter.name,
        "chapter_title": chapter.title(),
        "chapter_sha256": hashlib.sha256(chapter.source.encode("utf-8")).hexdigest(),
        "student": {"id": student.id, "name": student.name},
        "seed": seed,
        "parameters": drawn,
        "state": state,
        "answers": [{**a.as_dict(), "expected": expected[a.variable]} for a in answers],
    }


def release_day(text: str | None) -> str | None:
    """A release date ``YYYY-MM-DD`` checked (None stays None: expected values stay hidden)."""
    if text is None:
        return None
    try:
        return datetime.date.fromisoformat(str(text).strip()).isoformat()
    except ValueError:
        raise AssignmentError(
            f"release date {text!r} is not a date", fix="give it as YYYY-MM-DD, e.g. --release-date 2027-01-15"
        ) from None


def rubrics_markdown(chapter: Chapter, rubrics: list[Rubric]) -> str:
    """The rubrics of the free-text exercises, for the instructor (KEYS/rubrics.md)."""
    lines = [f"# Rubrics: {chapter.title()} ({chapter.name})", ""]
    for rubric in rubrics:
        lines += [
            f"## {rubric.exercise} ({rubric.points:g} points, answers of at most {rubric.max_chars} characters)",
            "",
        ]
        lines += [f"- **{c.points:g}**: {c.text}" for c in rubric.criteria]
        lines.append("")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------
# The command


@dataclass
class AssignReport:
    out: Path
    keys: Path
    students: list[Student]
    variants: int  # distinct parameter sets (= executions of the instructor version)
    seconds: float


MARKER = ".imtrade-assign"  # in every folder `imtrade assign` writes: only such a folder is replaced by --force


def check_out(out: Path, force: bool, option: str = "--out") -> None:
    """Refuse to write ``out`` unless it is new, an empty folder, or (with ``force``) a folder an
    earlier ``imtrade assign`` wrote (it holds :data:`MARKER`: the handouts and the keys folder
    both do); never delete anything else. ``option`` names the folder's option in messages."""
    if not out.exists() and not out.is_symlink():
        return
    if out.is_symlink() or not out.is_dir():
        raise AssignmentError(
            f"{out} exists and is not a folder; it was left untouched", fix=f"choose another {option}"
        )
    if not any(out.iterdir()):
        return
    if not force:
        raise AssignmentError(
            f"{out} already exists and is not empty", fix=f"choose another {option} or pass --force to replace it"
        )
    if not (out / MARKER).is_file():
        raise AssignmentError(
            f"{out} is not the output of an earlier `imtrade assign` (it has no {MARKER}); --force replaces only such "
            "a folder, and this one was left untouched",
            fix=f"choose another {option} (a new or empty folder), or remove the folder yourself",
        )


def keys_folder(out: Path, keys: Path | None) -> Path:
    """Where the keys go: ``keys`` or ``OUT-keys`` beside ``out``; never inside the handout folder."""
    out = Path(out).resolve()
    keys = Path(keys).resolve() if keys is not None else out.parent / f"{out.name}-keys"
    if keys == out or out in keys.parents:
        raise AssignmentError(
            f"the keys folder {keys} is inside the handout folder {out}, which students receive",
            fix="pass --keys a folder outside it (the default is OUT-keys beside OUT)",
        )
    if keys in out.parents:
        raise AssignmentError(
            f"the handout folder {out} is inside the keys folder {keys}", fix="choose two separate folders"
        )
    return keys


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable and writable by its owner only (0600)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, 0o600)


def _replace_dir(fresh: Path, out: Path, force: bool, option: str = "--out") -> None:
    check_out(out, force, option)  # again: the folder may have changed while the keys were computed
    if out.exists():
        if not any(out.iterdir()):
            out.rmdir()
        else:
            shutil.rmtree(out)
    fresh.rename(out)


def assign(
    chapter: Chapter,
    roster: Path,
    out: Path,
    *,
    keys: Path | None = None,
    pool: Path | None = None,
    seed: str = "0",
    jobs: int = 2,
    timeout: float = KEY_TIMEOUT,
    force: bool = False,
    release_date: str | None = None,
    progress=print,
) -> AssignReport:
    """Write every student's notebook and answer key; see the module docstring."""
    start = time.perf_counter()
    out = Path(out).resolve()
    keys = keys_folder(out, keys)
    for folder, option in ((out, "--out"), (keys, "--keys")):
        check_out(folder, force, option)
    release_date = release_day(release_date)
    students = read_roster(roster)
    answers = declared_answers(chapter.source, str(chapter.path))
    rubrics = declared_rubrics(chapter.source, str(chapter.path))
    if not answers:
        raise AssignmentError(
            f"chapter '{chapter.name}' declares no gradable answers",
            fix="declare them in its front matter under `imtrade: answers:` (see CONTRIBUTING.md, Exercises)",
        )
    if pool is not None:
        raw_pool, where = read_pool(pool), f"pool file {pool}"
    else:
        raw_pool, where = (
            declared_pool(chapter.source),
            f"the default pool of chapter '{chapter.name}' (front matter `imtrade: pool:`)",
        )
        if raw_pool is None:
            raise AssignmentError(
                f"chapter '{chapter.name}' has no default pool",
                fix="pass --pool FILE (YAML: parameter -> list of candidate values)",
            )
    typed_pool = check_pool(raw_pool, chapter, where)

    drawn: dict[str, dict[str, Any]] = {}
    resolved: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    for student in students:
        drawn[student.id] = draw(typed_pool, seed, student.id)
        try:
            resolved[student.id] = chapter.resolve(drawn[student.id])
        except ParameterError as exc:
            problems.append(
                f"student {student.id} ({student.name}) drew {_show(drawn[student.id])}: "
                f"chapter '{chapter.name}' rejects it: {exc.problem}"
            )
    if problems:
        raise _problems(
            where,
            problems,
            "remove or correct the rejected value(s) in the pool (draws are not redrawn silently); nothing was written",
        )

    # One execution of the instructor version per distinct parameter set.
    variants: dict[str, dict[str, Any]] = {}
    for student in students:
        variants.setdefault(json.dumps(resolved[student.id], sort_keys=True), drawn[student.id])
    progress(
        f"{chapter.name}: {len(students)} student(s), {len(variants)} distinct variant(s); computing the answer keys"
    )

    def run(item: tuple[str, dict[str, Any]]):
        digest, parameters = item
        try:
            return digest, compute_key(chapter, parameters, answers, timeout), None
        except AssignmentError as exc:
            return digest, None, exc

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool_exec:
        outcomes = list(pool_exec.map(run, variants.items()))
    failed = []
    computed: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    for digest, key, error in outcomes:
        if error is not None:
            who = [f"{s.id}" for s in students if json.dumps(resolved[s.id], sort_keys=True) == digest]
            failed.append(f"students {', '.join(who)} ({_show(variants[digest])}): {error}")
        else:
            computed[digest] = key
    if failed:
        raise _problems(
            f"answer keys of chapter '{chapter.name}'",
            failed,
            "fix the chapter or remove the value from the pool; nothing was written",
        )

    out.parent.mkdir(parents=True, exist_ok=True)
    keys.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    fresh_keys = Path(tempfile.mkdtemp(prefix=f".{keys.name}-", dir=keys.parent))  # 0700
    try:
        rows = io.StringIO()
        writer = csv.writer(rows, lineterminator="\n")
        writer.writerow(["id", "name", *typed_pool])
        for student in students:
            values = drawn[student.id]
            writer.writerow(
                [
                    student.id,
                    student.name,
                    *(json.dumps(values[p]) if isinstance(values[p], list) else values[p] for p in typed_pool),
                ]
            )
            write_notebook(student_notebook(chapter, values, student), fresh / student.id / f"{chapter.name}.ipynb")
            expected, state = computed[json.dumps(resolved[student.id], sort_keys=True)]
            document = key_document(chapter, student, seed, values, answers, expected, state, rubrics, release_date)
            write_private(
                fresh_keys / f"{student.id}.json",
                json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
            )
        if rubrics:
            write_private(fresh_keys / "rubrics.md", rubrics_markdown(chapter, rubrics))
        (fresh / "assignments.csv").write_text(rows.getvalue(), encoding="utf-8")
        marker = json.dumps({"written_by": "imtrade assign", "chapter": chapter.name}, sort_keys=True) + "\n"
        (fresh / MARKER).write_text(marker, encoding="utf-8")
        write_private(fresh_keys / MARKER, marker)
        fresh.chmod(0o755)
        fresh_keys.chmod(0o700)
        _replace_dir(fresh_keys, keys, force, "--keys")
        _replace_dir(fresh, out, force)
    finally:
        for folder in (fresh, fresh_keys):
            if folder.exists():
                shutil.rmtree(folder, ignore_errors=True)
    return AssignReport(out, keys, students, len(variants), time.perf_counter() - start)
