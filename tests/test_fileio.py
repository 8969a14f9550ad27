"""The one file writer: a rename, never half a file, the old file kept on failure."""

from __future__ import annotations

import os

import pytest

from imtrade import fileio


def test_writes_text_as_utf8_and_bytes_as_given(tmp_path):
    text_file = fileio.atomic_write(tmp_path / "a" / "b" / "note.md", "Côte d’Ivoire − 3")
    assert text_file.read_bytes() == "Côte d’Ivoire − 3".encode()
    raw = fileio.atomic_write(tmp_path / "x.bin", b"\x00\xff")
    assert raw.read_bytes() == b"\x00\xff"
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["note.md", "x.bin"]


def test_durable_write_syncs_before_the_rename(tmp_path, monkeypatch):
    calls = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (calls.append("fsync"), real_fsync(fd)))
    monkeypatch.setattr(os, "replace", lambda a, b: (calls.append("replace"), real_replace(a, b)))
    fileio.atomic_write(tmp_path / "grade.json", "{}", durable=True)
    assert calls == ["fsync", "replace"]
    calls.clear()
    fileio.atomic_write(tmp_path / "page.html", "<p/>")
    assert calls == ["replace"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "results.csv"
    target.write_text("old\n")

    def refuse(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="No space left"):
        fileio.atomic_write(target, "new\n")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["results.csv"]
