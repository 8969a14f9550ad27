"""Exercises, their declarations, and the student edition of a chapter (solutions removed).

A chapter's exercises follow the contract in CONTRIBUTING.md: ``{exercise}`` directives
labelled ``<topic>-ex-<N>``, gated solutions ``{solution-start} <label>`` ...
``{solution-end}``, solution code cells tagged ``solution`` that assign gradable answers to
``answer_<topic>_ex<N>``, and the declarations in the front matter::

    imtrade:
      answers:
        - {exercise: <topic>-ex-1, variable: answer_<topic>_ex1, tolerance: 0.05, points: 2}
      pool:                     # optional: default parameter pool of `imtrade assign`
        countries: [[KOR, MEX], [VNM, IND]]

:func:`student_source` turns the MyST text of a chapter into its student version *before*
anything is executed: every gated solution block, every ``{solution}`` directive and every
code cell tagged ``solution`` (with, therefore, its outputs) is removed, and so are the answer
declarations and the pool. Where a removed solution had a declared answer, an *answer cell*
takes its place (``answer_<topic>_ex1 = None``, tagged ``answer``) so students know which
variable the autograder reads. The result is checked again after the transformation (fail
closed): if any solution survives, :class:`~imtrade.exceptions.AssignmentError` is raised.

:func:`find_solution_leaks` searches built files (HTML with tags stripped, notebooks, search
index, downloads) for any line of solution text; the student build runs it before it
reports success.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from imtrade.exceptions import AssignmentError

FRONT_MATTER = re.compile(r"\A---\n(.*?\n)?---\n", re.S)
FENCE_OPEN = re.compile(r"^ {0,3}(?P<fence>`{3,}|:{3,})[ \t]*(?P<info>.*)$")
DIRECTIVE = re.compile(r"^\{(?P<name>[A-Za-z][\w:-]*)\}[ \t]*(?P<argument>.*)$")
OPTION = re.compile(r"^:(?P<key>[A-Za-z][\w-]*):[ \t]*(?P<value>.*)$")
ANSWER_TAG = "answer"
SOLUTION_TAG = "solution"


# ---------------------------------------------------------------------------------------
# Declarations


@dataclass(frozen=True)
class Answer:
    """A gradable answer declared in a chapter's front matter."""

    exercise: str  # the exercise label, e.g. "deglobalisation-ex-1"
    variable: str  # the variable the solution assigns, e.g. "answer_deglobalisation_ex1"
    points: float
    tolerance: float | None = None  # absolute, for numbers; None: exact

    def as_dict(self) -> dict[str, Any]:
        return {
            "exercise": self.exercise,
            "variable": self.variable,
            "tolerance": self.tolerance,
            "points": self.points,
        }


def front_matter(text: str) -> dict[str, Any]:
    """The YAML front matter of a MyST text notebook ({} if there is none)."""
    match = FRONT_MATTER.match(text)
    if not match or not match.group(1):
        return {}
    loaded = yaml.safe_load(match.group(1))
    return loaded if isinstance(loaded, dict) else {}


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def declared_answers(text: str, where: str = "chapter") -> list[Answer]:
    """The answers declared under ``imtrade: answers:`` (validated; [] when none)."""
    raw = (front_matter(text).get("imtrade") or {}).get("answers") or []
    if not isinstance(raw, list):
        raise AssignmentError(
            f"{where}: 'imtrade: answers' must be a list of {{exercise, variable, tolerance, points}}"
        )
    answers: list[Answer] = []
    problems: list[str] = []
    for index, item in enumerate(raw, 1):
        if not isinstance(item, dict):
            problems.append(f"answer {index} is not a mapping")
            continue
        unknown = set(item) - {"exercise", "variable", "tolerance", "points"}
        exercise, variable = item.get("exercise"), item.get("variable")
        tolerance, points = item.get("tolerance"), item.get("points", 1)
        if unknown:
            problems.append(f"answer {index}: unknown key(s) {', '.join(sorted(unknown))}")
        if not isinstance(exercise, str) or not exercise:
            problems.append(f"answer {index}: 'exercise' must be the exercise label")
        if not isinstance(variable, str) or not variable.isidentifier():
            problems.append(f"answer {index}: 'variable' must be a Python name, got {variable!r}")
        if tolerance is not None and (not _number(tolerance) or tolerance < 0):
            problems.append(
                f"answer {index}: 'tolerance' must be a number >= 0 (or omitted for exact answers), got {tolerance!r}"
            )
        if not _number(points) or points <= 0:
            problems.append(f"answer {index}: 'points' must be a positive number, got {points!r}")
        if not problems:
            answers.append(Answer(exercise, variable, points, None if tolerance is None else float(tolerance)))
    seen: set[str] = set()
    for answer in answers:
        if answer.variable in seen:
            problems.append(f"variable {answer.variable} is declared twice")
        seen.add(answer.variable)
    if problems:
        raise AssignmentError(f"{where}: malformed answer declarations:\n  " + "\n  ".join(problems))
    return answers


WRITTEN_TAG = "written-answer"  # the markdown cell holding a student's free-text answer
WRITTEN_PLACEHOLDER = "_Write your answer here (replace this line)._"
WRITTEN_CAP = 4000  # default maximum length of a free-text answer, in characters
WRITTEN_CAP_LIMIT = 20000  # no rubric may allow more


@dataclass(frozen=True)
class Criterion:
    points: float
    text: str


@dataclass(frozen=True)
class Rubric:
    """A free-text exercise graded by the instructor against a rubric (front matter ``imtrade: rubrics:``)."""

    exercise: str
    criteria: tuple[Criterion, ...]
    max_chars: int = WRITTEN_CAP

    @property
    def points(self) -> float:
        return sum(c.points for c in self.criteria)

    def as_dict(self) -> dict[str, Any]:
        return {
            "exercise": self.exercise,
            "max_chars": self.max_chars,
            "points": self.points,
            "criteria": [{"points": c.points, "criterion": c.text} for c in self.criteria],
        }


def declared_rubrics(text: str, where: str = "chapter") -> list[Rubric]:
    """The free-text exercises declared under ``imtrade: rubrics:`` (validated; [] when none)::

    rubrics:
      - exercise: <topic>-ex-5
        max_chars: 3000          # optional, default 4000
        criteria:
          - {points: 2, criterion: "names the bias of the proxy ..."}
    """
    raw = (front_matter(text).get("imtrade") or {}).get("rubrics") or []
    if not isinstance(raw, list):
        raise AssignmentError(f"{where}: 'imtrade: rubrics' must be a list of {{exercise, criteria, max_chars}}")
    answers = {a.exercise for a in declared_answers(text, where)}
    rubrics: list[Rubric] = []
    problems: list[str] = []
    for index, item in enumerate(raw, 1):
        if not isinstance(item, dict):
            problems.append(f"rubric {index} is not a mapping")
            continue
        exercise, criteria, cap = item.get("exercise"), item.get("criteria"), item.get("max_chars", WRITTEN_CAP)
        unknown = set(item) - {"exercise", "criteria", "max_chars"}
        mine: list[str] = []
        if unknown:
            mine.append(f"rubric {index}: unknown key(s) {', '.join(sorted(unknown))}")
        if not isinstance(exercise, str) or not exercise:
            mine.append(f"rubric {index}: 'exercise' must be the exercise label")
        elif exercise in answers:
            mine.append(f"rubric {index}: {exercise} already has an auto-graded answer; give it its own exercise")
        if not isinstance(cap, int) or isinstance(cap, bool) or not 1 <= cap <= WRITTEN_CAP_LIMIT:
            mine.append(
                f"rubric {index}: 'max_chars' must be a whole number from 1 to {WRITTEN_CAP_LIMIT}, got {cap!r}"
            )
        parsed: list[Criterion] = []
        if not isinstance(criteria, list) or not criteria:
            mine.append(f"rubric {index}: 'criteria' must be a non-empty list of {{points, criterion}}")
        else:
            for number, criterion in enumerate(criteria, 1):
                if not isinstance(criterion, dict) or set(criterion) != {"points", "criterion"}:
                    mine.append(f"rubric {index}, criterion {number}: give exactly 'points' and 'criterion'")
                    continue
                points, words = criterion["points"], criterion["criterion"]
                if not _number(points) or points <= 0:
                    mine.append(
                        f"rubric {index}, criterion {number}: 'points' must be a positive number, got {points!r}"
                    )
                elif not isinstance(words, str) or not words.strip():
                    mine.append(f"rubric {index}, criterion {number}: 'criterion' must be a sentence")
                else:
                    parsed.append(Criterion(float(points), " ".join(words.split())))
        problems += mine
        if not mine:
            rubrics.append(Rubric(exercise, tuple(parsed), cap))
    seen: set[str] = set()
    for rubric in rubrics:
        if rubric.exercise in seen:
            problems.append(f"exercise {rubric.exercise} has two rubrics")
        seen.add(rubric.exercise)
    if problems:
        raise AssignmentError(
            f"{where}: malformed rubric declarations:\n  " + "\n  ".join(problems),
            fix="see CONTRIBUTING.md, Exercises (rubric-graded exercises)",
        )
    return rubrics


def declared_pool(text: str) -> dict[str, Any] | None:
    """The default parameter pool under ``imtrade: pool:`` (None when the chapter has none)."""
    pool = (front_matter(text).get("imtrade") or {}).get("pool")
    return pool if pool is not None else None


# ---------------------------------------------------------------------------------------
# Fenced blocks of a MyST text notebook


@dataclass
class Block:
    """A top-level fenced block: lines ``start`` to ``end`` (exclusive) of the text."""

    start: int
    end: int
    directive: str | None  # e.g. "code-cell", "exercise", "solution-start"; None for plain code
    argument: str
    options: dict[str, Any] = field(default_factory=dict)
    body_start: int = 0  # first line after the options


def _options(lines: list[str], first: int, end: int) -> tuple[dict[str, Any], int]:
    """Directive options at ``first``: a ``---`` YAML block or ``:key: value`` lines."""
    options: dict[str, Any] = {}
    if first < end and lines[first].strip() == "---":
        for stop in range(first + 1, end):
            if lines[stop].strip() == "---":
                try:
                    loaded = yaml.safe_load("\n".join(lines[first + 1 : stop])) or {}
                except yaml.YAMLError:
                    loaded = {}
                return (loaded if isinstance(loaded, dict) else {}), stop + 1
        return options, first
    index = first
    while index < end:
        match = OPTION.match(lines[index])
        if not match:
            break
        try:
            options[match.group("key")] = yaml.safe_load(match.group("value")) if match.group("value") else None
        except yaml.YAMLError:
            options[match.group("key")] = match.group("value")
        index += 1
    return options, index


def blocks(lines: list[str], start: int = 0) -> list[Block]:
    """Top-level fenced blocks (CommonMark rule: a fence closes on a line of at least as many
    of the same characters and nothing else). An unclosed fence runs to the end."""
    out: list[Block] = []
    index = start
    while index < len(lines):
        match = FENCE_OPEN.match(lines[index])
        info = match.group("info") if match else ""
        if not match or (match.group("fence")[0] == ":" and not info.startswith("{")):
            index += 1
            continue
        fence = match.group("fence")
        closing = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        end = next((j for j in range(index + 1, len(lines)) if closing.match(lines[j])), len(lines) - 1)
        directive = DIRECTIVE.match(info.strip())
        options, body = _options(lines, index + 1, end) if directive else ({}, index + 1)
        out.append(
            Block(
                index,
                end + 1,
                directive.group("name") if directive else None,
                directive.group("argument").strip() if directive else info,
                options,
                body,
            )
        )
        index = end + 1
    return out


def _tags(block: Block) -> list[str]:
    tags = block.options.get("tags") or []
    if isinstance(tags, str):
        tags = [t.strip().strip("'\"") for t in tags.strip("[]").split(",")]
    return [str(t) for t in tags]


@dataclass(frozen=True)
class Solution:
    """A removed region: the exercise it answers (None if unknown) and its lines."""

    exercise: str | None
    start: int
    end: int  # exclusive
    kind: str  # "gated", "directive" or "cell"


def solution_regions(text: str, where: str = "chapter") -> list[Solution]:
    """Every region of ``text`` a student must not see, in order."""
    lines = text.split("\n")
    match = FRONT_MATTER.match(text)
    first = match.group(0).count("\n") if match else 0
    found = blocks(lines, first)
    regions: list[Solution] = []
    index = 0
    while index < len(found):
        block = found[index]
        if block.directive == "solution-start":
            stop = next(
                (k for k in range(index + 1, len(found)) if found[k].directive in ("solution-start", "solution-end")),
                None,
            )
            if stop is None or found[stop].directive != "solution-end":
                raise AssignmentError(
                    f"{where}, line {block.start + 1}: {{solution-start}} {block.argument} has no {{solution-end}}"
                )
            regions.append(Solution(block.argument or None, block.start, found[stop].end, "gated"))
            index = stop + 1
            continue
        if block.directive == "solution-end":
            raise AssignmentError(f"{where}, line {block.start + 1}: {{solution-end}} without a {{solution-start}}")
        if block.directive == "solution":
            regions.append(Solution(block.argument or None, block.start, block.end, "directive"))
        elif block.directive == "code-cell" and SOLUTION_TAG in _tags(block):
            regions.append(Solution(None, block.start, block.end, "cell"))
        index += 1
    return regions


def solution_texts(text: str, where: str = "chapter") -> list[str]:
    """The content lines of every solution (directive fences and options left out)."""
    lines = text.split("\n")
    out: list[str] = []
    for region in solution_regions(text, where):
        inner = {
            i
            for b in blocks(lines[: region.end], region.start)
            for i in (b.start, *range(b.start + 1, b.body_start), b.end - 1)
        }
        out += [lines[i] for i in range(region.start, region.end) if i not in inner and lines[i].strip()]
    return out


# ---------------------------------------------------------------------------------------
# The student version


def answer_cell(answer: Answer) -> str:
    """The MyST code cell a student fills in (tagged ``answer``)."""
    if answer.tolerance is not None:
        kind = f"a number (within ±{answer.tolerance:g} counts)"
    else:
        kind = "a number or short text (exact)"
    points = f"{answer.points:g} point{'s' if answer.points != 1 else ''}"
    return (
        "```{code-cell} ipython3\n"
        f":tags: [{ANSWER_TAG}]\n\n"
        f"# Your answer: {kind}, {points}. Replace None:\n"
        f"{answer.variable} = None\n"
        "```"
    )


def written_cells(rubric: Rubric) -> str:
    """The MyST markdown cells of a free-text answer: a prompt, then the cell the grader reads
    (tagged ``written-answer``, with the exercise's label in its metadata)."""
    points = f"{rubric.points:g} point{'s' if rubric.points != 1 else ''}"
    meta = json.dumps({"tags": [WRITTEN_TAG], "exercise": rubric.exercise})
    return (
        "+++\n\n"
        f"**Your answer to {rubric.exercise}** (free text in the next cell, at most {rubric.max_chars} characters, "
        f"{points} marked by your instructor against a rubric; keep it in that one cell, do not change its tags):\n\n"
        f"+++ {meta}\n\n"
        f"{WRITTEN_PLACEHOLDER}\n\n"
        "+++"
    )


PRIVATE_KEYS = ("answers", "pool", "rubrics")


def _strip_front_matter(text: str) -> str:
    match = FRONT_MATTER.match(text)
    if not match:
        return text
    meta = front_matter(text)
    extra = meta.get("imtrade")
    if not isinstance(extra, dict) or not (set(PRIVATE_KEYS) & set(extra)):
        return text
    kept = {k: v for k, v in extra.items() if k not in PRIVATE_KEYS}
    if kept:
        meta["imtrade"] = kept
    else:
        meta.pop("imtrade")
    header = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, default_flow_style=False)
    return f"---\n{header}---\n" + text[match.end() :]


def student_source(text: str, where: str = "chapter") -> str:
    """``text`` with every solution removed and answer cells in their place (see module doc)."""
    answers = declared_answers(text, where)
    by_exercise: dict[str, list[Answer]] = {}
    for answer in answers:
        by_exercise.setdefault(answer.exercise, []).append(answer)
    regions = solution_regions(text, where)
    lines = text.split("\n")
    placed: set[str] = set()
    replacement: dict[int, list[str]] = {}
    removed: set[int] = set()
    for region in regions:
        removed.update(range(region.start, region.end))
        if region.exercise and region.exercise in by_exercise and region.exercise not in placed:
            placed.add(region.exercise)
            replacement[region.start] = "\n\n".join(answer_cell(a) for a in by_exercise[region.exercise]).split("\n")
    # Answers whose exercise has no gated solution: after the exercise, else at the end.
    exercise_ends = {
        str(b.options["label"]): b.end for b in blocks(lines) if b.directive == "exercise" and b.options.get("label")
    }
    trailing: list[str] = []
    for rubric in declared_rubrics(text, where):
        cells = written_cells(rubric).split("\n")
        end = exercise_ends.get(rubric.exercise)
        if end is None:
            raise AssignmentError(
                f"{where}: the rubric of {rubric.exercise} has no {{exercise}} with that label",
                fix="label the exercise `:label: " + rubric.exercise + "` or correct the rubric's exercise",
            )
        if end < len(lines) and end not in removed:
            replacement.setdefault(end, []).extend(["", *cells, ""])
        else:
            trailing += ["", *cells]
    for exercise, items in by_exercise.items():
        if exercise in placed:
            continue
        cells = "\n\n".join(answer_cell(a) for a in items).split("\n")
        end = exercise_ends.get(exercise)
        if end is not None and end < len(lines) and end not in removed:
            replacement.setdefault(end, []).extend(["", *cells, ""])
        else:
            trailing += ["", *cells]
    out: list[str] = []
    for index, line in enumerate(lines):
        if index in replacement:
            out += replacement[index]
        if index in removed:
            continue
        if not line.strip() and out and not out[-1].strip() and (index - 1 in removed):
            continue  # no double blank line where a block was cut
        out.append(line)
    if trailing:
        while out and not out[-1].strip():
            out.pop()
        out += [*trailing, ""]
    result = _strip_front_matter("\n".join(out))
    verify_student_source(result, where)
    return result


def verify_student_source(text: str, where: str = "chapter") -> None:
    """Fail closed: no solution directive, no solution-tagged cell, no answer declarations."""
    import jupytext

    problems = [f"{r.kind} solution at line {r.start + 1}" for r in solution_regions(text, where)]
    nb = jupytext.reads(text, fmt="md:myst")
    problems += [
        f"cell {i} is tagged 'solution'" for i, c in enumerate(nb.cells) if SOLUTION_TAG in c.metadata.get("tags", [])
    ]
    problems += [
        f"cell {i} holds a solution directive"
        for i, c in enumerate(nb.cells)
        if re.search(r"\{solution(-start|-end)?\}", c.source)
    ]
    for private in PRIVATE_KEYS:
        if private in (nb.metadata.get("imtrade") or {}):
            problems.append(f"the {private} declarations are still in the metadata")
    if problems:
        raise AssignmentError(
            f"{where}: the student version still holds solutions: {'; '.join(problems)}", fix="report this as a bug"
        )


# ---------------------------------------------------------------------------------------
# Searching built files for solution text

TEXT_SUFFIXES = {".html", ".ipynb", ".js", ".txt", ".md", ".json", ".csv", ".py", ".xml", ".tex"}
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
_MARKUP = re.compile(r"[`*]")


_TYPOGRAPHY = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-", "\u2026": "..."}
)


def normalise(text: str) -> str:
    """Whitespace collapsed, Markdown emphasis/code marks dropped, Sphinx's smart quotes and
    dashes made plain again (so source lines match rendered text)."""
    text = text.translate(_TYPOGRAPHY).replace("---", "-").replace("--", "-")
    return _SPACE.sub(" ", _MARKUP.sub("", text)).strip()


def _ipynb_strings(text: str) -> str:
    try:
        nb = json.loads(text)
    except json.JSONDecodeError:
        return text
    parts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, str):
            parts.append(node)
        elif isinstance(node, list):
            if all(isinstance(x, str) for x in node):
                parts.append("".join(node))
            else:
                for x in node:
                    walk(x)
        elif isinstance(node, dict):
            for key, value in node.items():
                parts.append(str(key))
                walk(value)

    walk(nb)
    return "\n".join(parts)


def searchable(path: Path) -> str:
    """The text of a built file as a reader would see it (HTML tags stripped, entities and JSON unescaped)."""
    text = path.read_text(encoding="utf-8", errors="replace")
    variants = [text]
    if path.suffix == ".ipynb":
        variants.append(_ipynb_strings(text))
    if path.suffix in (".html", ".js", ".xml"):
        variants.append(html.unescape(_TAG.sub("", text)))
    return "\n".join(normalise(v) for v in variants)


BARE_NAME = re.compile(r"[\w.]+")


def leak_needles(texts: list[str], student_text: str, min_length: int = 12) -> list[str]:
    """Solution lines worth searching for: long enough, not also in the student version, and
    not a bare (dotted) name such as ``answer_topic_ex1`` (variable names are public: the
    answer cells and the instructors' page show them)."""
    allowed = normalise(student_text)
    needles = []
    for line in texts:
        needle = normalise(line)
        if (
            len(needle) >= min_length
            and not BARE_NAME.fullmatch(needle)
            and needle not in allowed
            and needle not in needles
        ):
            needles.append(needle)
    return needles


def find_solution_leaks(site: Path, needles: list[str], skip: tuple[str, ...] = ("_static",)) -> list[str]:
    """``"<file>: <line>"`` for every needle found in a text file under ``site``."""
    leaks = []
    for path in sorted(p for p in site.rglob("*") if p.is_file() and p.suffix in TEXT_SUFFIXES):
        if path.relative_to(site).parts[0] in skip:
            continue
        haystack = searchable(path)
        leaks += [f"{path.relative_to(site).as_posix()}: {needle}" for needle in needles if needle in haystack]
    return leaks


# ---------------------------------------------------------------------------------------
# The student edition of the book


def student_chapter(chapter, folder: Path):
    """Write ``chapter``'s student version to ``folder/<name>.md``; return a Chapter reading it.

    The file is only rewritten when its content changes, so the build cache stays valid.
    """
    from dataclasses import replace

    from imtrade.book.site import write_if_changed

    text = student_source(chapter.source, where=str(chapter.path))
    target = folder / f"{chapter.name}.md"
    write_if_changed(target, text.encode("utf-8"))
    return replace(chapter, path=target)


def edition_leaks(site: Path, originals: list) -> list[str]:
    """Solution text or rubric criteria of the ``originals`` (instructor Chapters) found anywhere in ``site``."""
    needles: list[str] = []
    for chapter in originals:
        text, where = chapter.source, str(chapter.path)
        private = solution_texts(text, where) + [c.text for r in declared_rubrics(text, where) for c in r.criteria]
        needles += leak_needles(private, student_source(text, where))
    return find_solution_leaks(site, needles) if needles else []
