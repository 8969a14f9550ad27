"""The data catalog (data/catalog.yml) and its checksum manifests."""

from __future__ import annotations

import json
import os

import pytest
from conftest import ROOT, WDI_NEW, WDI_OLD, clear_caches

from imtrade.data.catalog import (
    LAYOUTS,
    LOCAL_STAMP,
    ManifestEntry,
    diff_manifests,
    load_catalog,
    local_vintages,
    manifest_digest,
    manifest_path,
    read_manifest,
    scan_directory,
    sha256_file,
    write_manifest,
)
from imtrade.exceptions import CatalogError, UnknownDatasetError, UnknownVintageError
from imtrade.paths import ROOT_ENV


class TestProjectCatalog:
    """The committed catalog of the book (read only)."""

    def test_every_dataset_is_complete_and_has_its_manifests(self):
        catalog = load_catalog(ROOT / "data" / "catalog.yml")
        assert set(catalog.datasets) == {"wdi", "wb-bulk", "gapminder", "owid-co2", "owid-legacy", "un-sdg"}
        for ds in catalog.datasets.values():
            assert ds.layout in LAYOUTS
            assert ds.default_vintage in ds.vintages
            assert ds.citation and ds.licence and ds.producer
            for vintage in ds.vintages.values():
                assert vintage.mirror, f"{ds.id} {vintage.id} has no mirror path"
                entries = read_manifest(ROOT / "data" / "manifests" / ds.id / f"{vintage.id}.tsv")
                assert entries, f"empty manifest for {ds.id} {vintage.id}"
            # a dataset with an upstream URL template must have a ref to put in it
            if ds.upstream:
                assert all(v.ref for v in ds.vintages.values())
                assert "{path}" in ds.upstream

    def test_upstream_url_fills_ref_and_path(self):
        wdi = load_catalog(ROOT / "data" / "catalog.yml").dataset("wdi")
        url = wdi.upstream_url(wdi.vintage(WDI_NEW), "indicators/ne.exp.gnfs.zs/data.csv")
        assert (
            url
            == "https://raw.githubusercontent.com/datasets/world-development-indicators/4ebec5a/indicators/ne.exp.gnfs.zs/data.csv"
        )
        bulk = load_catalog(ROOT / "data" / "catalog.yml").dataset("wb-bulk")
        assert bulk.upstream_url(bulk.vintage(), "x.csv") is None  # no byte-stable upstream


class TestLookups:
    def test_default_and_named_vintages(self, project):
        wdi = load_catalog().dataset("wdi")
        assert wdi.vintage().id == WDI_NEW
        assert wdi.vintage(WDI_OLD).mirror == f"datahub-wdi/{WDI_OLD}"
        assert {d.id for d in load_catalog().find_vintage(WDI_OLD)} == {"wdi"}
        assert load_catalog().find_vintage("1999-01-01") == []

    def test_unknown_dataset_lists_the_known_ones(self, project):
        with pytest.raises(UnknownDatasetError) as info:
            load_catalog().dataset("wdii")
        assert "wdii" in str(info.value) and "wdi, wb-bulk" in str(info.value)
        assert info.value.fix

    def test_unknown_vintage_lists_the_known_ones(self, project):
        with pytest.raises(UnknownVintageError) as info:
            load_catalog().dataset("wdi").vintage("2030-01-01")
        message = str(info.value)
        assert "2030-01-01" in message and WDI_NEW in message and WDI_OLD in message
        assert "imtrade data add" in info.value.fix

    def test_local_vintage_is_found_and_ignored_when_half_written(self, project):
        raw = project.root / "data" / "raw" / "wdi"
        (raw / "mine").mkdir(parents=True)
        (raw / "mine" / LOCAL_STAMP).write_text(
            json.dumps({"origin": "user", "base": WDI_NEW, "created": "2026-11-01"})
        )
        (raw / "broken").mkdir()
        (raw / "broken" / LOCAL_STAMP).write_text("{not json")
        found = local_vintages("wdi")
        assert set(found) == {"mine"}
        assert found["mine"].local and found["mine"].base == WDI_NEW and found["mine"].origin == "user"
        assert load_catalog().dataset("wdi").vintage("mine").released == "2026-11-01"
        assert [d.id for d in load_catalog().find_vintage("mine")] == ["wdi"]
        # the local manifest, not the catalogue's, describes a local vintage
        assert manifest_path("wdi", "mine") == raw / "mine" / "manifest.tsv"
        assert manifest_path("wdi", WDI_NEW) == project.root / "data" / "manifests" / "wdi" / f"{WDI_NEW}.tsv"


class TestMalformedCatalogs:
    """Each error names the catalog file and what is wrong."""

    def write(self, project, text: str):
        path = project.root / "data" / "catalog.yml"
        path.write_text(text, encoding="utf-8")
        clear_caches()
        return path

    def test_missing_catalog(self, tmp_path):
        with pytest.raises(CatalogError) as info:
            load_catalog(tmp_path / "nothing.yml")
        assert "nothing.yml" in str(info.value) and ROOT_ENV in info.value.fix

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("datasets: [unclosed", "not valid YAML"),
            ("version: 1\n", "top-level 'datasets' mapping"),
            ("datasets:\n  x: 3\n", "dataset 'x' must be a mapping"),
            (
                "datasets:\n  x:\n    title: T\n",
                "lacks required key(s): producer, citation, licence, layout, vintages, default_vintage",
            ),
        ],
    )
    def test_structure(self, project, text, expected):
        path = self.write(project, text)
        with pytest.raises(CatalogError) as info:
            load_catalog()
        assert str(path) in str(info.value) and expected in str(info.value)

    def test_unknown_layout_default_vintage_and_released(self, project):
        good = (project.root / "data" / "catalog.yml").read_text()
        path = self.write(project, good.replace("layout: owid-co2", "layout: owid-co3"))
        with pytest.raises(CatalogError, match="unknown layout 'owid-co3'") as info:
            load_catalog()
        assert str(path) in str(info.value)
        self.write(project, good.replace('default_vintage: "2020-10-19"', 'default_vintage: "2021-01-01"'))
        with pytest.raises(CatalogError, match="default_vintage '2021-01-01' is not one of its vintages"):
            load_catalog()
        self.write(project, good.replace('released: "2024-10-21"', "notes: none"))
        with pytest.raises(CatalogError, match="vintage '2024-10-21' lacks 'released'"):
            load_catalog()

    def test_an_edited_catalog_is_read_again(self, project):
        path = project.root / "data" / "catalog.yml"
        assert load_catalog().dataset("wdi").title == "Fake wdi"
        path.write_text(path.read_text().replace("title: Fake wdi", "title: Edited"))
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))  # a new mtime, however coarse the clock
        assert load_catalog().dataset("wdi").title == "Edited"


class TestManifests:
    def entries(self, tmp_path):
        (tmp_path / "d" / "sub").mkdir(parents=True)
        (tmp_path / "d" / "a.csv").write_text("x,y\n1,2\n")
        (tmp_path / "d" / "sub" / "b.csv").write_text("hello\n")
        (tmp_path / "d" / ".imtrade-fetch.json").write_text("{}")  # our own stamp: not data
        (tmp_path / "d" / "manifest.tsv").write_text("")
        return scan_directory(tmp_path / "d")

    def test_scan_write_read_round_trip(self, tmp_path):
        entries = self.entries(tmp_path)
        assert set(entries) == {"a.csv", "sub/b.csv"}
        assert entries["a.csv"] == ManifestEntry("a.csv", 8, sha256_file(tmp_path / "d" / "a.csv"))
        write_manifest(tmp_path / "m" / "v.tsv", entries)
        assert read_manifest(tmp_path / "m" / "v.tsv") == entries
        assert (tmp_path / "m" / "v.tsv").read_text().splitlines()[0] == "path\tsize\tsha256"
        assert not list((tmp_path / "m").glob("*.tmp"))

    def test_digest_and_diff_follow_every_change(self, tmp_path):
        old = self.entries(tmp_path)
        (tmp_path / "d" / "a.csv").write_text("x,y\n1,3\n")
        (tmp_path / "d" / "c.csv").write_text("new\n")
        (tmp_path / "d" / "sub" / "b.csv").unlink()
        new = scan_directory(tmp_path / "d")
        assert manifest_digest(old) != manifest_digest(new)
        assert manifest_digest(old) == manifest_digest(dict(reversed(list(old.items()))))  # order-free
        assert diff_manifests(old, new) == {"added": ["c.csv"], "removed": ["sub/b.csv"], "changed": ["a.csv"]}

    def test_missing_manifest_says_how_to_make_one(self, tmp_path):
        with pytest.raises(CatalogError) as info:
            read_manifest(tmp_path / "wdi" / "2030.tsv")
        assert str(tmp_path / "wdi" / "2030.tsv") in str(info.value)
        assert "imtrade data manifest" in info.value.fix

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("path,size,sha256\n", "header must be path, size, sha256"),
            ("path\tsize\tsha256\na.csv\t12\tabc\n", "line 2"),
            ("path\tsize\tsha256\na.csv\t" + "0" * 64 + "\n", "line 2"),
            ("path\tsize\tsha256\na.csv\t1\t" + "0" * 64 + "\nb.csv\tten\t" + "0" * 64 + "\n", "line 3"),
        ],
    )
    def test_malformed_manifest_names_the_line(self, tmp_path, text, expected):
        path = tmp_path / "bad.tsv"
        path.write_text(text)
        with pytest.raises(CatalogError) as info:
            read_manifest(path)
        assert str(path) in str(info.value) and expected in str(info.value)
