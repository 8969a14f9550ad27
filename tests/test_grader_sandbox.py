"""The grader against hostile submissions (issue 17): sandbox, runner, file checks, resume.

The sandbox tests run small Python programs (not notebooks) inside the very sandbox
``imtrade grade`` builds, so each reproduced attack is checked in well under a second; the
same attacks from inside a student's notebook, graded end to end, are in
tests/test_assignments.py (``test_hostile_class``, slow).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from imtrade.assignments import sandbox as sb

needs_bwrap = pytest.mark.skipif(sb.problem() is not None, reason=f"no working bubblewrap: {sb.problem()}")


def sandbox_for(root: Path, env: dict[str, str] | None = None) -> sb.Sandbox:
    from imtrade.paths import project

    paths = project()
    return sb.Sandbox(sb.python_paths() + sb.project_paths(root, paths.data_dir), env=env)


def run_in_sandbox(
    tmp_path: Path, code: str, *, timeout: float = 60, limits: sb.Limits | None = None, env=None, how=None
):
    """Run ``python -c code`` in the grader's sandbox; (returncode, stdout, stderr, seconds)."""
    from conftest import ROOT

    box = tmp_path / "run" / "box"
    (box / "work").mkdir(parents=True, exist_ok=True)
    sandbox = sandbox_for(ROOT, env)
    if limits is not None:
        sandbox.limits = limits
    uid = sandbox.prepare(box) if how in (None, sb.mode()) else None
    cmd = sandbox.command([sys.executable, "-c", code], box=box, cwd=sb.BOX / "work", uid=uid, how=how)
    start = time.monotonic()
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env={"PATH": "/usr/bin:/bin"})
    return done.returncode, done.stdout, done.stderr, time.monotonic() - start


# ---------------------------------------------------------------------------------------
# The sandbox itself


@needs_bwrap
def test_the_sandbox_sees_only_the_environment_the_data_and_its_folder(tmp_path):
    from conftest import ROOT

    secret = tmp_path / "keys"
    secret.mkdir()
    (secret / "s01.json").write_text('{"answers": "secret"}', encoding="utf-8")
    code = f"""
import json, os
print(json.dumps({{
    "keys": os.path.exists({str(secret)!r}),
    "chapters": os.path.exists({str(ROOT / "chapters")!r}),
    "build": os.path.exists({str(ROOT / "_build")!r}),
    "git": os.path.exists({str(ROOT / ".git")!r}),
    "data": os.path.isfile({str(ROOT / "data" / "catalog.yml")!r}),
    "home": os.path.exists("/root/.bashrc"),
    "uid": os.getuid(),
    "processes": sorted(p for p in os.listdir("/proc") if p.isdigit()),
}}))
"""
    status, out, err, _ = run_in_sandbox(tmp_path, code)
    assert status == 0, err
    seen = json.loads(out)
    assert seen["data"] and not seen["keys"] and not seen["chapters"] and not seen["build"] and not seen["git"]
    assert not seen["home"] and seen["uid"] != 0
    assert len(seen["processes"]) <= 3  # bwrap's init, python: no sibling kernel, no grader


@needs_bwrap
def test_attack_reading_the_keys_fails(tmp_path):
    keys = tmp_path / "course-keys"
    keys.mkdir(mode=0o700)
    (keys / "s02.json").write_text('{"expected": 42}', encoding="utf-8")
    status, out, err, _ = run_in_sandbox(tmp_path, f"print(open({str(keys / 's02.json')!r}).read())")
    assert status != 0 and "FileNotFoundError" in err and "42" not in out


@needs_bwrap
def test_attack_network_connect_to_the_hosts_loopback_fails(tmp_path):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    try:
        code = f"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=5); print('connected')"
        status, out, err, _ = run_in_sandbox(tmp_path, code)
        assert status != 0 and "connected" not in out and "ConnectionRefusedError" in err
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody reached the host's port
    finally:
        listener.close()


@needs_bwrap
def test_attack_writing_outside_its_folder_fails(tmp_path):
    from conftest import ROOT

    outside = tmp_path / "others"
    outside.mkdir()
    os.chmod(outside, 0o777)  # even a world-writable folder of the host is out of reach
    private = Path("/tmp") / f"imtrade-escape-{os.getpid()}-{time.time_ns()}.txt"  # the sandbox's own /tmp
    targets = [outside / "planted.txt", ROOT / "src" / "imtrade" / "planted.py", private]
    code = f"""
import os
for target in {[str(t) for t in targets]!r}:
    try:
        open(target, "w").write("owned")
        print("wrote", target)
    except OSError as exc:
        print("refused", target, type(exc).__name__)
open("/sandbox/work/mine.txt", "w").write("fine")
"""
    status, out, err, _ = run_in_sandbox(tmp_path, code)
    assert status == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("refused") and lines[1].startswith("refused"), out
    assert lines[2] == f"wrote {private}"  # its private /tmp, gone with the sandbox
    assert not any(t.exists() for t in targets)  # nothing appeared on the host
    assert (tmp_path / "run" / "box" / "work" / "mine.txt").read_text() == "fine"


@needs_bwrap
def test_attack_allocating_4_gib_fails(tmp_path):
    status, out, err, _ = run_in_sandbox(tmp_path, "x = bytearray(4 * 1024**3); print('allocated')")
    assert status != 0 and "MemoryError" in err and "allocated" not in out


@needs_bwrap
def test_attack_a_fork_bomb_meets_the_process_limit(tmp_path):
    code = """
import os, time
n = 0
try:
    for _ in range(400):
        if os.fork() == 0:
            time.sleep(2)
            os._exit(0)
        n += 1
except OSError:
    print("stopped at", n)
"""
    _, out, err, _ = run_in_sandbox(tmp_path, code, limits=sb.Limits(processes=32))
    assert "stopped at" in out, (out, err)
    assert int(out.split()[-1]) < 40


@needs_bwrap
def test_attack_a_daemon_dies_with_the_sandbox(tmp_path):
    marker = f"imtrade-daemon-{os.getpid()}-{time.time_ns()}"
    code = f"""
import os, subprocess
subprocess.Popen(["/bin/sh", "-c", "exec -a {marker} sleep 3600"], start_new_session=True)
print("started")
"""
    status, out, _, _ = run_in_sandbox(tmp_path, code)
    assert status == 0 and "started" in out
    time.sleep(0.5)
    alive = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                alive += [entry.name] if marker in (entry / "cmdline").read_bytes().decode(errors="replace") else []
    assert alive == []  # the setsid daemon did not outlive the run


@needs_bwrap
def test_attack_reading_a_token_from_the_environment_fails(tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_fake_token_for_the_test")
    monkeypatch.setenv("IMTRADE_DATA_MIRROR", "/secret/mirror")
    code = "import os, json; print(json.dumps(dict(os.environ)))"
    status, out, err, _ = run_in_sandbox(tmp_path, code, env={"IMTRADE_CHAPTER": "x"})
    assert status == 0, err
    env = json.loads(out)
    assert "ghp_fake_token_for_the_test" not in out and "IMTRADE_DATA_MIRROR" not in env
    assert set(env) <= set(sb.environment({"IMTRADE_CHAPTER": "x"})) | {"PWD"}


@needs_bwrap
def test_the_user_namespace_mode_isolates_too(tmp_path, monkeypatch):
    """The mode of an ordinary user (and of root where setpriv cannot be used)."""
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_fake_token_for_the_test")
    secret = tmp_path / "keys"
    secret.mkdir()
    code = f"""
import os, socket
print(os.path.exists({str(secret)!r}), "GITHUB_TOKEN" in os.environ, os.getuid() != 0)
print(socket.socket().connect_ex(("127.0.0.1", 22)) != 0)
open("/sandbox/work/ok", "w").write("1")
"""
    if sb._probe("userns") is not None:
        pytest.skip("user namespaces are not available here")
    status, out, err, _ = run_in_sandbox(tmp_path, code, how="userns")
    assert status == 0, err
    assert out.split() == ["False", "False", "True", "True"]


def test_the_sandbox_command_has_every_protection():
    sandbox = sb.Sandbox([Path(sys.prefix)])
    cmd = sandbox.command(["python"], box=Path("/tmp/box"), uid=sb.UID_BASE + 1)
    joined = " ".join(cmd)
    for flag in ("--unshare-pid", "--unshare-net", "--die-with-parent", "--new-session", "--clearenv"):
        assert flag in cmd
    assert "--as=2147483648" in cmd and "--core=0" in cmd and any(c.startswith("--nproc=") for c in cmd)
    assert f"--bind /tmp/box {sb.BOX}" in joined and "--tmpfs /tmp" in joined
    assert cmd[-1] == "python"


def test_hides_tells_what_the_sandbox_shows(tmp_path):
    (tmp_path / "data").mkdir()
    sandbox = sb.Sandbox([tmp_path / "data"])
    assert not sandbox.hides(tmp_path / "data" / "keys") and sandbox.hides(tmp_path / "keys")


# ---------------------------------------------------------------------------------------
# Files a submission hands in


def test_read_regular_refuses_fifo_link_device_and_big_files(tmp_path):
    from imtrade.assignments.runner import UnsafeFile, read_regular

    fifo = tmp_path / "s01.ipynb"
    os.mkfifo(fifo)
    start = time.monotonic()
    with pytest.raises(UnsafeFile, match=r"named pipe \(FIFO\), not a regular file"):
        read_regular(fifo, 100)
    assert time.monotonic() - start < 1  # never blocks waiting for a writer
    (tmp_path / "target.txt").write_text("SECRET first bytes", encoding="utf-8")
    (tmp_path / "s02.ipynb").symlink_to(tmp_path / "target.txt")
    with pytest.raises(UnsafeFile, match="symbolic link") as info:
        read_regular(tmp_path / "s02.ipynb", 100)
    assert "SECRET" not in str(info.value)
    with pytest.raises(UnsafeFile, match="device"):
        read_regular(Path("/dev/null").resolve(), 100)
    (tmp_path / "big.ipynb").write_bytes(b"x" * 101)
    with pytest.raises(UnsafeFile, match="larger than"):
        read_regular(tmp_path / "big.ipynb", 100)
    assert read_regular(tmp_path / "target.txt", 100) == b"SECRET first bytes"


def fake_keys(folder: Path, ids: list[str]) -> Path:
    folder.mkdir(mode=0o700, parents=True)
    for sid in ids:
        key = {
            "chapter": "assignsample",
            "student": {"id": sid, "name": f"Student {sid}"},
            "parameters": {"year": 2008},
            "state": {},
            "answers": [{"exercise": "ex-1", "variable": "answer_1", "expected": 1.5, "points": 2}],
        }
        (folder / f"{sid}.json").write_text(json.dumps(key), encoding="utf-8")
    return folder


def test_attack_a_fifo_or_link_submission_is_refused_and_grading_goes_on(tmp_path, monkeypatch):
    from imtrade.assignments import grade as g

    keys = fake_keys(tmp_path / "keys", ["s01", "s02", "s03"])
    subs = tmp_path / "subs"
    (subs / "s01").mkdir(parents=True)
    os.mkfifo(subs / "s01" / "assignsample.ipynb")
    (tmp_path / "elsewhere.ipynb").write_text("{}", encoding="utf-8")
    (subs / "s02.ipynb").symlink_to(tmp_path / "elsewhere.ipynb")
    (subs / "s03").symlink_to(tmp_path)  # a linked folder
    start = time.monotonic()
    report = g.grade(subs, keys, timeout=5, jobs=1, progress=lambda m: None, unsafe_no_sandbox=True)
    assert time.monotonic() - start < 10
    by_id = {x.id: x for x in report.grades}
    assert by_id["s01"].status == "not a notebook" and "named pipe (FIFO)" in by_id["s01"].reasons[0]
    assert by_id["s02"].status == "not a notebook" and "symbolic link" in by_id["s02"].reasons[0]
    assert by_id["s03"].status == "not a notebook" and "symbolic link" in by_id["s03"].reasons[0]
    assert (subs / "grades.csv").is_file() and (subs / "results" / "s01.json").is_file()


# ---------------------------------------------------------------------------------------
# Refusal without the sandbox, atomic grades, resume


def test_grading_without_bubblewrap_is_refused_unless_unsafe(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from imtrade.assignments import grade as g
    from imtrade.cli import main

    keys = fake_keys(tmp_path / "keys", ["s01"])
    (tmp_path / "subs").mkdir()
    (tmp_path / "subs" / "s01.ipynb").write_text("{}", encoding="utf-8")  # an empty folder is refused first
    monkeypatch.setattr(sb, "problem", lambda: "bubblewrap (`bwrap`) is not installed: install bubblewrap")
    result = CliRunner().invoke(main, ["grade", str(tmp_path / "subs"), "--keys", str(keys)])
    assert result.exit_code == 1 and "cannot grade safely: bubblewrap (`bwrap`) is not installed" in result.output
    assert "--unsafe-no-sandbox" in result.output and "Traceback" not in result.output
    messages: list[str] = []
    g.grade(tmp_path / "subs", keys, progress=messages.append, unsafe_no_sandbox=True)
    assert any(m.startswith("WARNING: --unsafe-no-sandbox") for m in messages)


def test_grades_are_kept_as_students_finish_and_a_rerun_resumes(tmp_path, monkeypatch):
    from imtrade.assignments import grade as g

    ids = ["s01", "s02", "s03", "s04"]
    keys = fake_keys(tmp_path / "keys", ids)
    subs = tmp_path / "subs"
    for sid in ids:
        (subs / sid).mkdir(parents=True)
        (subs / sid / "assignsample.ipynb").write_text(f'{{"who": "{sid}"}}', encoding="utf-8")
    calls: list[str] = []

    killed = ["s03"]

    def fake_grade_one(sid, key, path, timeout, env=None, sandbox=None, **_):
        calls.append(sid)
        if sid in killed:
            raise KeyboardInterrupt  # the grader is killed while grading s03
        result = g.Grade(sid, key["student"]["name"], path)
        result.answers = [g.AnswerResult("ex-1", "answer_1", 2.0, 1.5, None, "1.5", True, 2.0)]
        return result

    monkeypatch.setattr(g, "grade_one", fake_grade_one)
    with pytest.raises(KeyboardInterrupt):
        g.grade(subs, keys, jobs=1, progress=lambda m: None, unsafe_no_sandbox=True)
    rows = (subs / "grades.csv").read_text(encoding="utf-8").splitlines()
    assert [r.split(",")[0] for r in rows[1:]] == ["s01", "s02", "s04"]  # every grade known before the kill
    assert json.loads((subs / "results" / "s01.json").read_text())["score"] == 2.0
    assert not (subs / "results" / "s03.json").exists() and not list(subs.rglob("*.tmp"))
    (subs / ".grading" / "imtrade-run-left-by-a-killed-grader").mkdir(parents=True)

    calls.clear()
    monkeypatch.setattr(g, "grade_one", lambda *a, **k: _ok(g, a))
    report = g.grade(subs, keys, jobs=1, progress=lambda m: None, unsafe_no_sandbox=True)
    assert report.kept == 3 and [x.id for x in report.grades] == ids  # only s03 graded again
    assert not (subs / ".grading").exists()  # temporary folders of a killed grader cleared
    monkeypatch.setattr(g, "grade_one", fake_grade_one)
    killed.clear()
    (subs / "s01" / "assignsample.ipynb").write_text('{"who": "s01", "resubmitted": true}', encoding="utf-8")
    calls.clear()
    g.grade(subs, keys, jobs=1, progress=lambda m: None, unsafe_no_sandbox=True)
    assert calls == ["s01"]  # a changed submission is graded again
    calls.clear()
    g.grade(subs, keys, jobs=1, progress=lambda m: None, unsafe_no_sandbox=True, regrade=True)
    assert sorted(calls) == ids


def _ok(g, args):
    assert args[0] == "s03", args[0]
    return g.Grade(args[0], args[1]["student"]["name"], args[2])


# ---------------------------------------------------------------------------------------
# Strict capture


def _capture_nb(*lines: str):
    import nbformat

    from imtrade.assignments.runner import CAPTURE_TAG

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("")
    cell.metadata["tags"] = [CAPTURE_TAG]
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="\n".join(lines) + "\n")]
    nb.cells.append(cell)
    return nb


def test_capture_parsing_is_strict():
    from imtrade.assignments.runner import MARKER, CaptureError, captured

    good = {"answers": {"a": {"defined": True, "type": "float", "value": 1.5}}, "parameters": {}}
    assert captured(_capture_nb(MARKER + json.dumps(good)), ["a"], [])["answers"]["a"]["value"] == 1.5
    bad = [
        (MARKER + json.dumps(good) + "\n" + MARKER + json.dumps(good), "2 capture lines"),
        (MARKER + "{not json", "not valid JSON"),
        (MARKER + json.dumps({**good, "extra": 1}), "answers and parameters"),
        (MARKER + json.dumps({"answers": {"a": good["answers"]["a"], "b": {"defined": False}}, "parameters": {}}), "b"),
        (
            MARKER
            + json.dumps({"answers": {"a": {"defined": True, "type": "x", "value": {"k": 1}}}, "parameters": {}}),
            "a dict where",
        ),
        (
            MARKER
            + json.dumps({"answers": {"a": {"defined": True, "type": "str", "value": "x" * 20_000}}, "parameters": {}}),
            "text of 20000",
        ),
        ("forged " + MARKER + json.dumps(good), "does not start"),
    ]
    for text, message in bad:
        with pytest.raises(CaptureError, match=message):
            captured(_capture_nb(*text.split("\n")), ["a"], [])
    assert captured(_capture_nb("nothing printed"), ["a"], []) is None


def test_tampering_signs_are_flagged_for_review():
    import nbformat

    from imtrade.assignments.grade import review_signs

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell("import builtins\nprint = lambda *a: None"),
        nbformat.v4.new_code_cell("get_ipython().events.register('post_run_cell', f)"),
        nbformat.v4.new_code_cell("import sys\nsys.stdout = open('/dev/null', 'w')"),
    ]
    signs = review_signs(nb)
    assert "code cell 2: touches the builtins" in signs and "code cell 2: rebinds a builtin" in signs
    assert (
        "code cell 3: installs an IPython hook" in signs
        and "code cell 4: replaces sys.stdout/stderr/displayhook" in signs
    )
    assert not [s for s in signs if s.startswith("code cell 1:")]


def test_a_read_only_data_cache_is_skipped_not_an_error(tmp_path, monkeypatch):
    """In the sandbox data/cache is read-only: parsing still works, the cache file is just not written."""
    import errno

    import pandas as pd

    from imtrade.data import store

    def refuse(code):
        def to_parquet(self, path, **kwargs):
            raise OSError(code, os.strerror(code), str(path))

        return to_parquet

    frame = pd.DataFrame({"a": [1]})
    monkeypatch.setattr(pd.DataFrame, "to_parquet", refuse(errno.EROFS))
    store._atomic_parquet(frame, tmp_path / "cache" / "x.parquet")
    assert not (tmp_path / "cache" / "x.parquet").exists()
    monkeypatch.setattr(pd.DataFrame, "to_parquet", refuse(errno.ENOSPC))
    with pytest.raises(OSError, match="No space"):
        store._atomic_parquet(frame, tmp_path / "cache" / "x.parquet")


def test_feedback_hides_the_expected_values_unless_asked():
    from imtrade.assignments.grade import AnswerResult, Grade, feedback_markdown, results_document, score

    key = {"chapter": "x", "parameters": {"year": 2008}}
    grade = Grade("s01", "Ana", None)
    grade.answers = [
        score(AnswerResult("ex-1", "a", 2.0, 12.34, 0.05), {"defined": True, "type": "float", "value": 12.0}),
        score(AnswerResult("ex-2", "b", 1.0, True, None), {"defined": True, "type": "bool", "value": False}),
    ]
    hidden = feedback_markdown(grade, key)
    assert "12.34" not in hidden and "off by" not in hidden and "expected true" not in hidden
    assert "| hidden |" in hidden and "not the expected value (tolerance ±0.05)" in hidden
    shown = feedback_markdown(grade, key, show_expected=True)
    assert "12.34 (±0.05)" in shown and "off by 0.34" in shown
    tests = results_document(grade, "k", "s")["tests"]
    assert [t["max_score"] for t in tests] == [2.0, 1.0] and "0.34" not in json.dumps(tests)


def test_keys_never_go_into_the_handout_folder(tmp_path):
    from imtrade.assignments.assign import keys_folder, write_private
    from imtrade.exceptions import AssignmentError

    out = tmp_path / "handouts"
    assert keys_folder(out, None) == tmp_path / "handouts-keys"
    with pytest.raises(AssignmentError, match="inside the handout folder") as info:
        keys_folder(out, out / "keys")
    assert "--keys" in str(info.value)
    with pytest.raises(AssignmentError, match="inside the keys folder"):
        keys_folder(out, tmp_path)
    write_private(tmp_path / "k.json", "{}")
    assert (tmp_path / "k.json").stat().st_mode & 0o777 == 0o600
