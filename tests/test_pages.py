"""Generated pages: the curated-table counts of *Data sources* are validated once per content."""

from __future__ import annotations

import dataclasses

import pytest

import imtrade.data.curated as curated
from imtrade.book.pages import _curated_counts
from imtrade.paths import project


@pytest.fixture
def paths(tmp_path):
    return dataclasses.replace(project(), build_root=tmp_path / "_build")


def test_counts_are_validated_once_then_remembered_by_content(paths, monkeypatch):
    file = project().curated / "robot_forecasts.csv"
    table = curated.load_curated("robot_forecasts")
    expected = (len(table), int((table["verified_primary"].str.strip().str.lower() == "yes").sum()))
    assert _curated_counts(paths, file)[:2] == expected
    assert (paths.build / "curated-counts.json").is_file()

    def refuse(name):
        raise AssertionError("validated again although the table did not change")

    monkeypatch.setattr(curated, "load_curated", refuse)
    assert _curated_counts(paths, file)[:2] == expected  # remembered: no pandas, no pandera


def test_a_changed_table_is_validated_again(paths, tmp_path, monkeypatch):
    file = project().curated / "robot_forecasts.csv"
    _curated_counts(paths, file)
    copy = tmp_path / "robot_forecasts.csv"
    copy.write_bytes(file.read_bytes() + b"\n")  # same name, other content
    calls = []
    real = curated.load_curated
    monkeypatch.setattr(curated, "load_curated", lambda name: calls.append(name) or real(name))
    _curated_counts(paths, copy)
    assert calls == ["robot_forecasts"]


def test_an_unreadable_memo_is_ignored(paths):
    file = project().curated / "robot_forecasts.csv"
    (paths.build).mkdir(parents=True)
    (paths.build / "curated-counts.json").write_text("{not json", encoding="utf-8")
    rows, _, _ = _curated_counts(paths, file)
    assert rows == len(curated.load_curated("robot_forecasts"))
