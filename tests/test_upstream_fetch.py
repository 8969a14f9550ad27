"""The path the publishing workflow takes to the data: every upstream URL of the real catalog,
downloaded from recorded responses (the offline mirror's files, served under the URLs the
upstream repositories publish them at) and verified against the committed manifests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

from imtrade.data import fetch as fetch_module
from imtrade.data.catalog import load_catalog, manifest_path, read_manifest
from imtrade.data.fetch import fetch, has_upstream, is_fetched
from imtrade.exceptions import MirrorNotFoundError

pytestmark = pytest.mark.mirror

# Where each upstream repository serves its files (written from the repositories' layouts, not
# from data/catalog.yml, so a wrong URL template in the catalog finds nothing here) -> the folder
# of the offline mirror that holds the same bytes.
RECORDED = {
    "https://raw.githubusercontent.com/datasets/world-development-indicators/4ebec5a/": "datahub-wdi/2026-07-01",
    "https://raw.githubusercontent.com/datasets/world-development-indicators/e73c49d/": "datahub-wdi/2018-08-01",
    "https://raw.githubusercontent.com/open-numbers/ddf--gapminder--systema_globalis/c63631ab/": (
        "gapminder-systema-globalis"
    ),
    "https://raw.githubusercontent.com/owid/co2-data/2a6c4a2/": "owid-co2/2020-12-09",
    "https://raw.githubusercontent.com/owid/owid-datasets/48c9992/datasets/": "owid-datasets",
    "https://raw.githubusercontent.com/open-numbers/ddf--unstats--sdg_indicators/1bfae15/": "unsd-sdg/2020-10-19",
}


class RecordedResponse:
    def __init__(self, status: int, body: bytes = b""):
        self.status_code, self.body = status, body

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def iter_content(self, chunk):
        for i in range(0, len(self.body), chunk):
            yield self.body[i : i + chunk]


class RecordedUpstream:
    """A requests session answering from the recorded responses (404 for any other URL)."""

    def __init__(self, mirror: Path):
        self.mirror, self.urls = mirror, []

    def get(self, url, stream=False, timeout=None):
        assert timeout is not None, "every request needs a timeout"
        self.urls.append(url)
        for prefix, folder in RECORDED.items():
            if url.startswith(prefix):
                file = self.mirror / folder / url[len(prefix) :]
                if file.is_file():
                    return RecordedResponse(200, file.read_bytes())
        return RecordedResponse(404)


@pytest.fixture
def publishing_machine(tmp_path, monkeypatch, mirror):
    """The real catalog and manifests in a fresh project, nothing fetched, no mirror configured;
    a mirror folder holding only what has no upstream (as the workflow unpacks it)."""
    root = tmp_path / "project"
    shutil.copytree(ROOT / "data" / "manifests", root / "data" / "manifests")
    shutil.copy(ROOT / "data" / "catalog.yml", root / "data" / "catalog.yml")
    monkeypatch.setenv("IMTRADE_ROOT", str(root))
    monkeypatch.delenv("IMTRADE_DATA_MIRROR", raising=False)
    monkeypatch.delenv("IMTRADE_DATA_DIR", raising=False)
    partial = tmp_path / "partial-mirror"
    for ds in load_catalog().datasets.values():
        for v in ds.vintages.values():
            if not has_upstream(ds, v):
                shutil.copytree(mirror / v.mirror, partial / v.mirror)
    session = RecordedUpstream(mirror)
    monkeypatch.setattr(fetch_module, "_session", lambda: session)
    return root, partial, session


def test_every_catalogued_upstream_url_downloads_and_verifies(publishing_machine):
    _root, partial, session = publishing_machine
    results = fetch(source="prefer-upstream", mirror=partial)
    catalog = load_catalog()
    for result in results:
        ds = catalog.dataset(result.dataset)
        vintage = ds.vintages[result.vintage]
        assert result.status == "fetched" and is_fetched(result.dataset, result.vintage)
        if has_upstream(ds, vintage):
            assert result.source.startswith("upstream:https://raw.githubusercontent.com/")
            expected = {ds.upstream_url(vintage, rel) for rel in read_manifest(manifest_path(ds.id, vintage.id))}
            assert expected <= set(session.urls)
        else:
            assert result.source.startswith("mirror:")
    upstream = [r for r in results if r.source.startswith("upstream:")]
    assert len(upstream) >= 5 and len(session.urls) == sum(r.files for r in upstream)


def test_without_the_mirror_the_datasets_lacking_an_upstream_are_named(publishing_machine):
    root, _partial, session = publishing_machine
    with pytest.raises(MirrorNotFoundError) as info:
        fetch(source="prefer-upstream")
    assert "wb-bulk 2026-02-24" in str(info.value) and "--mirror" in info.value.fix
    assert session.urls == [] and not (root / "data" / "raw").exists()


def test_the_workflow_takes_this_path():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "publish.yml").read_text(encoding="utf-8"))
    steps = [s.get("run", "") for job in workflow["jobs"].values() for s in job.get("steps", [])]
    assert any("imtrade fetch --source prefer-upstream" in run for run in steps)
    assert any("imtrade publish --site _site" in run for run in steps)
    assert True in workflow and "tags" in workflow[True]["push"] and "schedule" in workflow[True]  # `on:` reads as True
