"""The `imtrade fetch` and `imtrade data` commands, driven through click.

Every error path must end with exit status 1 (2 for usage errors), one `error:` line with the
problem and a `Fix:`, no traceback, and data/raw and data/cache exactly as they were.
"""

from __future__ import annotations

import pytest
import requests
from click.testing import CliRunner
from conftest import WDI_NEW, WDI_OLD, bulk_csv, write

from imtrade.cli import main
from imtrade.data import fetch as fetch_module
from imtrade.data import worldbank_api
from imtrade.paths import MIRROR_ENV


def run(*args, ok=True):
    result = CliRunner().invoke(main, list(args))
    if ok:
        assert result.exit_code == 0, result.output
        assert result.exception is None
    return result


def check_error(project, before, *args, expected: str, code: int = 1):
    result = run(*args, ok=False)
    assert result.exit_code == code, result.output
    assert isinstance(result.exception, SystemExit), f"uncaught {result.exception!r}"  # not a crash
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert expected in result.stderr
    assert "  Fix: " in result.stderr
    assert result.stdout == ""
    assert project.snapshot() == before
    return result.stderr


class TestFetchCommand:
    def test_fetch_all_then_up_to_date(self, project):
        first = run("fetch").stdout.splitlines()
        assert len(first) == 7 and all(" fetched " in line for line in first)
        assert first[0].startswith("wdi          2026-07-01  fetched") and "mirror:" in first[0]
        again = run("fetch", "wdi", "--vintage", WDI_OLD).stdout
        assert f"wdi          {WDI_OLD}  up to date" in again

    def test_relative_mirror_option(self, project, monkeypatch):
        monkeypatch.delenv(MIRROR_ENV)
        out = run("fetch", "un-sdg", "--mirror", "../mirror").stdout  # the cwd is the project root
        assert "un-sdg       2020-10-19  fetched" in out

    def test_checksum_mismatch(self, project):
        run("fetch", "un-sdg")
        src = project.mirror / "datahub-wdi" / WDI_NEW / "indicators" / "ne.exp.gnfs.zs" / "data.csv"
        src.write_text(src.read_text().replace("30.69", "30.96"))
        err = check_error(project, project.snapshot(), "fetch", "wdi", expected="do not match the catalog's manifest")
        assert str(src) in err

    def test_truncated_file_in_the_mirror(self, project):
        src = project.mirror / "owid-co2" / "2020-12-09" / "owid-co2-data.csv"
        src.write_bytes(src.read_bytes()[:-5])
        err = check_error(project, project.snapshot(), "fetch", "owid-co2", expected=f"{src}: expected")
        assert "nothing was changed" in err

    def test_missing_mirror_path(self, project, tmp_path):
        check_error(
            project,
            project.snapshot(),
            "fetch",
            "--mirror",
            str(tmp_path / "nowhere"),
            expected=f"data mirror {tmp_path / 'nowhere'} does not exist",
        )
        (tmp_path / "afile").write_text("not a folder", encoding="utf-8")  # issue 20: was "does not exist"
        check_error(
            project,
            project.snapshot(),
            "fetch",
            "--mirror",
            str(tmp_path / "afile"),
            expected=f"data mirror {tmp_path / 'afile'} is a file, not a folder",
        )

    def test_unknown_dataset_and_vintage(self, project):
        before = project.snapshot()
        check_error(project, before, "fetch", "wdii", expected="unknown dataset 'wdii'")
        check_error(
            project, before, "fetch", "wdi", "--vintage", "2030-01-01", expected="no catalogued vintage '2030-01-01'"
        )

    def test_no_network(self, project, monkeypatch):
        class Offline:
            def get(self, url, **kwargs):
                raise requests.ConnectionError("Failed to resolve 'example.invalid'")

        monkeypatch.setattr(fetch_module, "_session", lambda: Offline())
        run("fetch", "un-sdg")
        check_error(
            project,
            project.snapshot(),
            "fetch",
            "wdi",
            "--source",
            "upstream",
            expected="could not download https://example.invalid/wdi/",
        )

    def test_no_mirror_for_mirror_source(self, project, monkeypatch):
        monkeypatch.delenv(MIRROR_ENV)
        check_error(project, project.snapshot(), "fetch", "--source", "mirror", expected="no mirror given")


class FakeApi:
    """JSON pages like api.worldbank.org v2 (see test_worldbank_api)."""

    def __init__(self, values):
        self.values = values

    def get(self, url, params=None, timeout=None):
        code = url.rsplit("/", 1)[1]

        class Response:
            status_code = 200

            def json(inner):
                if code not in self.values:
                    return [
                        {
                            "message": [
                                {
                                    "id": "120",
                                    "key": "Invalid value",
                                    "value": "The provided parameter value is not valid",
                                }
                            ]
                        }
                    ]
                rows = [
                    {
                        "indicator": {"id": code, "value": code},
                        "country": {"id": "1W", "value": "World"},
                        "countryiso3code": iso,
                        "date": str(year),
                        "value": value,
                    }
                    for (iso, year), value in self.values[code].items()
                ]
                return [
                    {"page": 1, "pages": 1, "per_page": 20000, "total": len(rows), "lastupdated": "2026-11-20"},
                    rows,
                ]

        return Response()


class TestWorldBankApiSource:
    def test_download_as_a_local_vintage(self, project, monkeypatch):
        run("fetch")
        monkeypatch.setattr(
            worldbank_api, "_session", lambda: FakeApi({"NE.EXP.GNFS.ZS": {("WLD", 2024): 29.1, ("CHN", 2024): 19.7}})
        )
        out = run("fetch", "wdi", "--source", "worldbank-api", "--indicator", "NE.EXP.GNFS.ZS").stdout
        assert "1 indicators, 2 rows from api.worldbank.org" in out
        listing = run("data", "list").stdout
        assert "(local, worldbank-api, base 2026-07-01)" in listing

    def test_invalid_indicator(self, project, monkeypatch):
        run("fetch")
        monkeypatch.setattr(worldbank_api, "_session", lambda: FakeApi({}))
        err = check_error(
            project,
            project.snapshot(),
            "fetch",
            "--source",
            "worldbank-api",
            "--indicator",
            "NE.EXP.GNFS.ZX",
            expected="Invalid value: The provided parameter value is not valid (id 120)",
        )
        assert "check the indicator code 'NE.EXP.GNFS.ZX'" in err

    def test_no_network(self, project, monkeypatch):
        class Offline:
            def get(self, url, **kwargs):
                raise requests.ConnectionError("Max retries exceeded")

        run("fetch")
        monkeypatch.setattr(worldbank_api, "_session", lambda: Offline())
        check_error(
            project,
            project.snapshot(),
            "fetch",
            "wdi",
            "--source",
            "worldbank-api",
            "--indicator",
            "NE.EXP.GNFS.ZS",
            expected="could not reach the World Bank API for NE.EXP.GNFS.ZS",
        )

    def test_only_for_wdi(self, project):
        result = run("fetch", "gapminder", "--source", "worldbank-api", ok=False)
        assert result.exit_code == 2 and "fetches the dataset 'wdi' only" in result.output


class TestDataCommands:
    def test_list_before_and_after_fetch(self, project):
        listing = run("data", "list").stdout.splitlines()
        assert len(listing) == 7 and all("not fetched" in line for line in listing)
        run("fetch", "wdi", "--vintage", WDI_NEW)
        listing = run("data", "list").stdout
        assert f"wdi          {WDI_NEW}             fetched      [default]" in listing
        assert f"wdi          {WDI_OLD}             not fetched" in listing

    def test_entities_and_indicators(self, fetched):
        entities = run("data", "entities", "--no-aggregates").stdout
        assert "CHN" in entities and "TWN" in entities and " WLD " not in entities
        found = run("data", "indicators", "--search", "exports").stdout.splitlines()
        assert any(line.startswith("NE.EXP.GNFS.ZS") and " wdi " in line for line in found)
        assert any(line.startswith("NE.EXP.GNFS.CD") and " derived " in line for line in found)
        assert not any(line.startswith("NE.IMP.GNFS.ZS") for line in found)

    def test_cache(self, fetched):
        # 9 indicator files: wdi 3 + 1 (old vintage), one each of wb-bulk, gapminder, owid-co2, owid-legacy, un-sdg
        assert run("data", "cache", "--jobs", "1").stdout.startswith("parsed/cached 9 files")
        assert run("data", "cache", "--jobs", "1").stdout.startswith("parsed/cached 0 files")

    def test_clean_cache_removes_only_stale_files(self, fetched):
        run("data", "cache", "--jobs", "1")
        current = sorted(fetched.cache.rglob("*.parquet"))
        assert len(current) == 10  # the 9 parsed files and the entity table
        stale = fetched.cache / "wdi" / WDI_NEW / "indicators__ne.exp.gnfs.zs__data-0123456789abcdef.parquet"
        stale.write_bytes(current[0].read_bytes())  # e.g. written by an earlier parser version
        writing = stale.with_name(f".{stale.name}.123.tmp.parquet")  # another process is writing it
        writing.write_bytes(b"")
        out = run("data", "clean-cache").stdout
        assert out.startswith("removed 1 stale cache file(s)") and out.strip().endswith("kept 10")
        assert not stale.exists() and writing.exists()
        assert sorted(fetched.cache.rglob("*.parquet")) == sorted([*current, writing])
        assert run("data", "cache", "--jobs", "1").stdout.startswith("parsed/cached 0 files")  # nothing lost

    def test_manifest_shows_and_writes_changes(self, project):
        assert run("data", "manifest", "wb-bulk").stdout.strip().endswith("wb-bulk 2026-02-24: 2 files; 0 change(s)")
        write(project.mirror / "worldbank-bulk" / "API_NEW_DS2_en_csv_v2_1.csv", "x\n")
        manifest = project.root / "data" / "manifests" / "wb-bulk" / "2026-02-24.tsv"
        before = manifest.read_text()
        out = run("data", "manifest", "wb-bulk").stdout
        assert "added    API_NEW_DS2_en_csv_v2_1.csv" in out and manifest.read_text() == before
        manifest.unlink()  # a vintage newly added to the catalog has no manifest yet: --write writes it
        assert "wrote" in run("data", "manifest", "wb-bulk", "--write").stdout
        assert "API_NEW_DS2_en_csv_v2_1.csv" in manifest.read_text()
        assert "is up to date; nothing written" in run("data", "manifest", "wb-bulk", "--write").stdout

    def test_manifest_of_a_catalogued_vintage_is_never_rewritten(self, project):
        """Issue 20: a bad mirror must not be blessed into a catalogued vintage (then fetched over good data)."""
        project.fetch(["wdi"])
        src = project.mirror / "datahub-wdi" / WDI_NEW / "indicators" / "ne.exp.gnfs.zs" / "data.csv"
        src.write_text(src.read_text().replace("30.69", "30.96"))  # bit rot in the mirror
        manifest = project.root / "data" / "manifests" / "wdi" / f"{WDI_NEW}.tsv"
        before = manifest.read_bytes()
        err = check_error(
            project,
            project.snapshot(),
            "data",
            "manifest",
            "wdi",
            "--vintage",
            WDI_NEW,
            "--write",
            expected="the manifest was not rewritten",
        )
        assert "add a new vintage of wdi" in err
        assert manifest.read_bytes() == before
        check_error(
            project, project.snapshot(), "fetch", "wdi", "--force", expected="do not match the catalog's manifest"
        )

    def test_manifest_without_mirror(self, project, monkeypatch):
        monkeypatch.delenv(MIRROR_ENV)
        check_error(
            project, project.snapshot(), "data", "manifest", "wdi", expected="no mirror directory for wdi 2026-07-01"
        )

    def test_add(self, fetched, tmp_path):
        path = write(
            tmp_path / "API_TX.VAL.MANF.ZS.UN_DS2_en_csv_v2_1.csv",
            bulk_csv(
                {"WLD": {2020: 71.0}},
                "TX.VAL.MANF.ZS.UN",
                "Manufactures exports (% of merchandise exports)",
                metadata_lines=True,
            ),
        )
        out = run("data", "add", str(path), "--name", "mine").stdout
        assert "added 1 values of 1 indicator(s) (TX.VAL.MANF.ZS.UN) as vintage 'mine' (base 2026-07-01)" in out
        assert "imtrade run CHAPTER -p vintage mine" in out
        check_error(fetched, fetched.snapshot(), "data", "add", str(path), "--name", "mine", expected="exists already")
        assert "as vintage 'mine'" in run("data", "add", str(path), "--name", "mine", "--replace").stdout

    @pytest.mark.parametrize(
        ("content", "expected"),
        [
            ("", "file is empty"),
            ("indicator,iso3,year,value\nX,WLD,2008,abc\nX,ATL,2008,1\n", "2 problem(s) found"),
            ("country,year,exports\nWLD,2000,1\n", "unrecognised layout"),
            (
                "indicator,iso3,year,value\nX,WLD,2008,1\nX,WLD,2008,2\n",
                "duplicate (indicator, iso3, year) keys (X, WLD, 2008) at line(s) 2, 3",
            ),
            ("indicator,iso3,year,value\nX,WLD,3008,1\n", "column 'year': year(s) out of range 3008 at line(s) 2"),
            (
                '"Data Source","WDI",\n\n"Country Name","Indicator Code","2008",\n"World","X","1",\n',
                "missing column(s) 'Country Code'",
            ),
        ],
    )
    def test_add_errors(self, fetched, tmp_path, content, expected):
        path = write(tmp_path / "mine.csv", content)
        run("data", "entities")  # the entity table is in the cache already (validating codes needs it)
        err = check_error(fetched, fetched.snapshot(), "data", "add", str(path), "--name", "mine", expected=expected)
        assert str(path) in err

    def test_add_missing_file_is_a_usage_error(self, fetched, tmp_path):
        result = run("data", "add", str(tmp_path / "nope.csv"), ok=False)
        assert result.exit_code == 2 and "does not exist" in result.output and "Traceback" not in result.output

    def test_unknown_vintage(self, fetched):
        run("data", "entities")
        err = check_error(
            fetched,
            fetched.snapshot(),
            "data",
            "indicators",
            "--vintage",
            "2030-01-01",
            expected="no dataset has a vintage '2030-01-01'",
        )
        assert WDI_NEW in err

    def test_load_errors_of_data_commands(self, project):
        """Before anything is fetched, the data commands say what to fetch."""
        check_error(project, project.snapshot(), "data", "entities", expected="is not in", code=1)


# ---------------------------------------------------------------------------------------
# Issue 20: a read-only data folder or a full disk is one message, never a traceback


def refuse_writes_under(monkeypatch, folder, code=None):
    """As if ``folder`` were read-only (tests run as root, for whom chmod changes nothing)."""
    import errno
    import os
    from pathlib import Path

    code = code or errno.EACCES
    real_mkdir, real_open = Path.mkdir, os.open
    inside = str(folder.resolve())

    def mkdir(self, *args, **kwargs):
        if str(Path(self).resolve()).startswith(inside) and not Path(self).is_dir():
            raise OSError(code, os.strerror(code), str(self))
        return real_mkdir(self, *args, **kwargs)

    def open_(path, flags, *args, **kwargs):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT) and str(Path(path).resolve()).startswith(inside):
            raise OSError(code, os.strerror(code), str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", mkdir)
    monkeypatch.setattr(os, "open", open_)


class TestUnwritableDataFolder:
    def test_fetch_force(self, fetched, monkeypatch):
        before = fetched.snapshot()
        refuse_writes_under(monkeypatch, fetched.raw)
        err = check_error(fetched, before, "fetch", "wdi", "--force", expected="permission denied")
        assert "cannot write" in err and "writable" in err

    def test_data_add(self, fetched, tmp_path, monkeypatch):
        path = write(tmp_path / "mine.csv", "indicator,iso3,year,value\nNE.EXP.GNFS.ZS,WLD,2020,25.5\n")
        before = fetched.snapshot()
        refuse_writes_under(monkeypatch, fetched.raw.parent)  # data/: raw/ and cache/
        check_error(fetched, before, "data", "add", str(path), "--name", "mine", expected="permission denied")

    def test_data_cache(self, fetched):
        import errno
        import shutil

        shutil.rmtree(fetched.cache, ignore_errors=True)
        before = fetched.snapshot()
        with pytest.MonkeyPatch.context() as patch:  # read-only: the cache is skipped, and data cache says so
            refuse_writes_under(patch, fetched.cache)
            err = check_error(
                fetched, before, "data", "cache", "--jobs", "1", expected="could not be written to the cache"
            )
        assert "chapters still run without the cache" in err
        with pytest.MonkeyPatch.context() as patch:  # a full disk: one message too
            refuse_writes_under(patch, fetched.cache, errno.ENOSPC)
            err = check_error(fetched, before, "data", "cache", "--jobs", "1", expected="no space left on the device")
        assert "free some disk space" in err
