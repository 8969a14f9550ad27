"""Verified fetching into data/raw: mirror and upstream sources, and every failure path.

Every failure must raise one ImtradeError naming the file and the fix, and leave data/raw and
data/cache exactly as they were (compared file by file, with checksums).
"""

from __future__ import annotations

import json
import re

import pytest
import requests
from conftest import WDI_NEW, WDI_OLD, snapshot

from imtrade.data import fetch as fetch_module
from imtrade.data.catalog import load_catalog, read_manifest, sha256_file
from imtrade.data.fetch import FETCH_STAMP, fetch, is_fetched, plan, require_fetched
from imtrade.exceptions import (
    ChecksumMismatchError,
    DataNotFetchedError,
    FetchError,
    MirrorNotFoundError,
    NetworkError,
    UnknownDatasetError,
    UnknownVintageError,
)
from imtrade.paths import DATA_DIR_ENV, MIRROR_ENV

EXPORTS = "indicators/ne.exp.gnfs.zs/data.csv"


def wdi_mirror_file(project, rel=EXPORTS, vintage=WDI_NEW):
    return project.mirror / "datahub-wdi" / vintage / rel


class TestFetchFromMirror:
    def test_fetches_every_vintage_byte_for_byte(self, project):
        results = project.fetch()
        assert {(r.dataset, r.vintage) for r in results} == {
            ("wdi", WDI_NEW),
            ("wdi", WDI_OLD),
            ("wb-bulk", "2026-02-24"),
            ("gapminder", "2026-03-01"),
            ("owid-co2", "2020-12-09"),
            ("owid-legacy", "2024-10-21"),
            ("un-sdg", "2020-10-19"),
        }
        assert all(r.status == "fetched" and r.source.startswith("mirror:") for r in results)
        catalog = load_catalog()
        for r in results:
            vintage = catalog.dataset(r.dataset).vintage(r.vintage)
            entries = read_manifest(project.root / "data" / "manifests" / r.dataset / f"{r.vintage}.tsv")
            assert r.files == len(entries) and r.bytes == sum(e.size for e in entries.values())
            target = project.raw / r.dataset / r.vintage
            for rel, entry in entries.items():
                assert sha256_file(target / rel) == entry.sha256 == sha256_file(project.mirror / vintage.mirror / rel)
            assert is_fetched(r.dataset, r.vintage)
        assert not (project.raw / ".incoming").exists()

    def test_second_fetch_is_a_no_op_and_force_fetches_again(self, project):
        project.fetch(["wdi"], WDI_NEW)
        before = project.snapshot()
        [again] = project.fetch(["wdi"], WDI_NEW)
        assert again.status == "up to date"
        assert project.snapshot() == before
        [forced] = fetch(["wdi"], WDI_NEW, mirror=project.mirror, force=True)
        assert forced.status == "fetched"
        assert is_fetched("wdi", WDI_NEW)

    def test_plan_picks_named_datasets_and_vintages(self, project):
        catalog = load_catalog()
        assert [(d.id, v.id) for d, v in plan(catalog, ["wdi"], None)] == [("wdi", WDI_NEW), ("wdi", WDI_OLD)]
        assert [(d.id, v.id) for d, v in plan(catalog, None, WDI_OLD)] == [("wdi", WDI_OLD)]
        assert [(d.id, v.id) for d, v in plan(catalog, ["un-sdg", "wdi"], None)][:2] == [
            ("un-sdg", "2020-10-19"),
            ("wdi", WDI_NEW),
        ]

    def test_data_dir_env_moves_raw_files(self, project, tmp_path, monkeypatch):
        monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "elsewhere"))
        project.fetch(["un-sdg"])
        assert (tmp_path / "elsewhere" / "raw" / "un-sdg" / "2020-10-19" / FETCH_STAMP).is_file()
        assert not (project.root / "data" / "raw").exists()

    def test_mirror_from_environment(self, project):
        [result] = fetch(["un-sdg"])  # IMTRADE_DATA_MIRROR is set by the fixture
        assert result.source == f"mirror:{project.mirror / 'unsd-sdg' / '2020-10-19'}"


class TestFetchedState:
    def test_not_fetched_says_which_command_to_run(self, project):
        with pytest.raises(DataNotFetchedError) as info:
            require_fetched("wdi", WDI_NEW)
        assert str(project.raw / "wdi" / WDI_NEW) in str(info.value)
        assert f"imtrade fetch wdi --vintage {WDI_NEW}" in info.value.fix

    def test_a_changed_raw_file_is_noticed(self, project):
        project.fetch(["wdi"], WDI_NEW)
        raw = project.raw / "wdi" / WDI_NEW / EXPORTS
        raw.write_text(raw.read_text().replace("30.69", "31.69"))  # same size, new content and mtime
        assert not is_fetched("wdi", WDI_NEW)
        with pytest.raises(DataNotFetchedError, match="has changed since it was verified"):
            require_fetched("wdi", WDI_NEW)
        [result] = project.fetch(["wdi"], WDI_NEW)  # fetching again restores the verified file
        assert result.status == "fetched" and "30.69" in raw.read_text()

    def test_a_stale_stamp_is_not_trusted(self, project):
        project.fetch(["un-sdg"])
        stamp = project.raw / "un-sdg" / "2020-10-19" / FETCH_STAMP
        meta = json.loads(stamp.read_text())
        meta["manifest_digest"] = "0" * 64  # e.g. the manifest was regenerated since
        stamp.write_text(json.dumps(meta))
        assert not is_fetched("un-sdg", "2020-10-19")


class TestFetchFailures:
    """Each failure: exception type, message naming the file, a fix, data/raw + cache unchanged."""

    def test_checksum_mismatch_same_size(self, project):
        project.fetch(["un-sdg"])  # something already fetched must survive
        src = wdi_mirror_file(project)
        src.write_text(src.read_text().replace("30.69", "30.96"))
        before = project.snapshot()
        with pytest.raises(ChecksumMismatchError) as info:
            project.fetch(["wdi"], WDI_NEW)
        message = str(info.value)
        assert str(src) in message and "expected" in message and "sha256" in message
        assert "data/manifests/wdi/2026-07-01.tsv" in message and "nothing was changed" in message
        assert "new vintage" in info.value.fix
        assert project.snapshot() == before

    def test_checksum_mismatch_keeps_a_good_copy(self, project):
        project.fetch(["wdi"], WDI_NEW)
        wdi_mirror_file(project).write_text("Country Name,Country Code,Year,Value\n")  # truncated upstream file
        before = project.snapshot()
        with pytest.raises(ChecksumMismatchError, match=re.escape("ne.exp.gnfs.zs/data.csv: expected")):
            fetch(["wdi"], WDI_NEW, mirror=project.mirror, force=True)
        assert project.snapshot() == before
        assert is_fetched("wdi", WDI_NEW)

    def test_truncated_and_empty_files_are_reported_together(self, project):
        exports, imports = wdi_mirror_file(project), wdi_mirror_file(project, "indicators/ne.imp.gnfs.zs/data.csv")
        exports.write_bytes(exports.read_bytes()[:-7])
        imports.write_bytes(b"")
        before = project.snapshot()
        with pytest.raises(ChecksumMismatchError) as info:
            project.fetch(["wdi"], WDI_NEW)
        message = str(info.value)
        assert message.startswith("2 file(s) of wdi 2026-07-01 do not match")
        assert f"{imports}: expected" in message and "got 0 bytes" in message
        assert f"{exports}: expected {exports.stat().st_size + 7} bytes" in message
        assert project.snapshot() == before

    def test_file_missing_from_the_mirror(self, project):
        gone = wdi_mirror_file(project, "indicators/ny.gdp.mktp.cd/datapackage.json")
        gone.unlink()
        before = project.snapshot()
        with pytest.raises(ChecksumMismatchError) as info:
            project.fetch(["wdi"], WDI_NEW)
        assert f"{gone}: missing from the mirror" in str(info.value)
        assert info.value.fix
        assert project.snapshot() == before

    def test_missing_mirror_path(self, project, tmp_path):
        project.fetch(["un-sdg"])
        before = project.snapshot()
        with pytest.raises(MirrorNotFoundError) as info:
            fetch(["wdi"], mirror=tmp_path / "no-such-mirror")
        assert str(tmp_path / "no-such-mirror") in str(info.value)
        assert "--mirror" in info.value.fix and MIRROR_ENV in info.value.fix
        assert project.snapshot() == before

    def test_mirror_without_the_dataset(self, project, tmp_path):
        (tmp_path / "partial").mkdir()
        with pytest.raises(MirrorNotFoundError) as info:
            fetch(["gapminder"], mirror=tmp_path / "partial")
        assert "gapminder-systema-globalis/" in str(info.value) and info.value.fix
        assert not project.raw.exists()

    def test_mirror_source_needs_a_mirror(self, project, monkeypatch):
        monkeypatch.delenv(MIRROR_ENV)
        with pytest.raises(MirrorNotFoundError) as info:
            fetch(["wdi"], source="mirror")
        assert MIRROR_ENV in info.value.fix

    def test_unknown_dataset_and_vintages(self, project):
        with pytest.raises(UnknownDatasetError, match="unknown dataset 'wdx'"):
            fetch(["wdx"])
        with pytest.raises(UnknownVintageError) as info:
            fetch(["wdi"], "2030-01-01")
        assert WDI_NEW in str(info.value) and info.value.fix
        with pytest.raises(UnknownVintageError) as info:
            fetch(None, "2030-01-01")
        assert "2030-01-01" in str(info.value) and info.value.fix
        assert not project.raw.exists()


class FakeResponse:
    def __init__(self, status: int, body: bytes = b"", error: Exception | None = None):
        self.status_code, self.body, self.error = status, body, error

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def iter_content(self, chunk):
        for i in range(0, len(self.body), 7):  # several small blocks
            yield self.body[i : i + 7]
        if self.error:
            raise self.error


class FakeSession:
    """Serves files of a directory as if it were the upstream (or fails as told)."""

    def __init__(self, root, status: int = 200, error: Exception | None = None, fail_during: Exception | None = None):
        self.root, self.status, self.error, self.fail_during = root, status, error, fail_during
        self.urls: list[str] = []

    def get(self, url, stream=False, timeout=None):
        self.urls.append(url)
        assert timeout is not None, "every request needs a timeout"
        if self.error:
            raise self.error
        rel = url.split("/abc0/", 1)[1]
        return FakeResponse(self.status, (self.root / rel).read_bytes(), self.fail_during)


class TestFetchFromUpstream:
    def use(self, monkeypatch, session):
        monkeypatch.setattr(fetch_module, "_session", lambda: session)
        return session

    def test_download_verifies_and_places(self, project, monkeypatch):
        session = self.use(monkeypatch, FakeSession(project.mirror / "datahub-wdi" / WDI_NEW))
        [result] = fetch(["wdi"], WDI_NEW, source="upstream")
        assert result.status == "fetched" and result.source == "upstream:https://example.invalid/wdi/"
        assert f"https://example.invalid/wdi/abc0/{EXPORTS}" in session.urls
        assert is_fetched("wdi", WDI_NEW)

    def test_auto_without_mirror_downloads(self, project, monkeypatch):
        monkeypatch.delenv(MIRROR_ENV)
        session = self.use(monkeypatch, FakeSession(project.mirror / "datahub-wdi" / WDI_NEW))
        [result] = fetch(["wdi"], WDI_NEW)
        assert result.source.startswith("upstream:") and session.urls

    @pytest.mark.parametrize(
        ("session_kwargs", "expected"),
        [
            (
                {"error": requests.ConnectionError("Failed to resolve 'example.invalid'")},
                "could not download https://example.invalid/wdi/abc0/",
            ),
            (
                {"fail_during": requests.ConnectionError("connection reset")},
                "could not download https://example.invalid/wdi/abc0/",
            ),
            ({"status": 404}, "answered HTTP 404"),
        ],
    )
    def test_no_network_or_http_error(self, project, monkeypatch, session_kwargs, expected):
        project.fetch(["un-sdg"])
        self.use(monkeypatch, FakeSession(project.mirror / "datahub-wdi" / WDI_NEW, **session_kwargs))
        before = project.snapshot()
        with pytest.raises(NetworkError) as info:
            fetch(["wdi"], WDI_NEW, source="upstream")
        assert expected in str(info.value)
        assert "--mirror" in info.value.fix
        assert project.snapshot() == before

    def test_upstream_bytes_are_verified_too(self, project, monkeypatch):
        served = project.mirror / "served"
        (served / "indicators" / "ne.exp.gnfs.zs").mkdir(parents=True)
        import shutil

        shutil.copytree(project.mirror / "datahub-wdi" / WDI_NEW, served, dirs_exist_ok=True)
        (served / EXPORTS).write_text("Country Name,Country Code,Year,Value\nWorld,WLD,2008,99\n")
        self.use(monkeypatch, FakeSession(served))
        with pytest.raises(ChecksumMismatchError, match=f"https://example.invalid/wdi/abc0/{EXPORTS}: expected"):
            fetch(["wdi"], WDI_NEW, source="upstream")
        assert not project.raw.exists()

    def test_dataset_without_upstream_needs_the_mirror(self, project):
        with pytest.raises(FetchError) as info:
            fetch(["wb-bulk"], source="upstream")
        assert "no byte-stable upstream URL" in str(info.value) and "--mirror" in info.value.fix
        assert snapshot(project.raw)[str(project.raw)] == "<absent>"
