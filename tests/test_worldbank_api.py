"""The World Bank API v2 path, on recorded-style JSON pages served by a fake session.

Pages look like the real API's (api.worldbank.org/v2/country/all/indicator/<CODE>?format=json):
``[{"page", "pages", "per_page", "total", "lastupdated"}, [row, ...]]``; an invalid request gets
``[{"message": [{"id", "key", "value"}]}]``.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
import requests
from conftest import FAKE_WDI, WDI_NEW, snapshot

from imtrade.data.catalog import LOCAL_STAMP, load_catalog, read_manifest
from imtrade.data.load import load_indicators
from imtrade.data.worldbank_api import API, PER_PAGE, fetch_latest, get_pages, rows_to_tidy
from imtrade.exceptions import DataValidationError, NetworkError

EXP, IMP = "NE.EXP.GNFS.ZS", "NE.IMP.GNFS.ZS"
TITLES = {
    EXP: "Exports of goods and services (% of GDP)",
    IMP: "Imports of goods and services (% of GDP)",
    "NY.GDP.MKTP.CD": "GDP (current US$)",
}
API_COUNTRIES = {"WLD": ("1W", "World"), "CHN": ("CN", "China"), "USA": ("US", "United States")}
INVALID = [{"message": [{"id": "120", "key": "Invalid value", "value": "The provided parameter value is not valid"}]}]


def api_row(code, iso3, year, value):
    iso2, name = API_COUNTRIES.get(iso3, ("XX", iso3))
    return {
        "indicator": {"id": code, "value": TITLES.get(code, code)},
        "country": {"id": iso2, "value": name},
        "countryiso3code": iso3,
        "date": str(year),
        "value": value,
        "unit": "",
        "obs_status": "",
        "decimal": 1,
    }


def pages(rows, per_page=3):
    """Split rows into API pages: [meta, rows] each."""
    chunks = [rows[i : i + per_page] for i in range(0, len(rows), per_page)] or [[]]
    return [
        [
            {
                "page": n + 1,
                "pages": len(chunks),
                "per_page": per_page,
                "total": len(rows),
                "sourceid": "2",
                "lastupdated": "2026-11-20",
            },
            chunk or None,
        ]
        for n, chunk in enumerate(chunks)
    ]


class FakeResponse:
    def __init__(self, status, payload):
        self.status_code, self.payload = status, payload

    def json(self):
        if isinstance(self.payload, str):
            return json.loads(self.payload)  # raises ValueError, as requests does
        return self.payload


class FakeSession:
    """Serves ``{code: [page, ...]}``; anything else gets the API's 'Invalid value' message."""

    def __init__(self, served: dict, status=200, error=None):
        self.served, self.status, self.error, self.calls = served, status, error, []

    def get(self, url, params=None, timeout=None):
        self.calls.append((url, dict(params or {})))
        assert timeout is not None, "every request needs a timeout"
        if self.error:
            raise self.error
        code = url.rsplit("/", 1)[1]
        if code not in self.served:
            return FakeResponse(200, INVALID)
        return FakeResponse(self.status, self.served[code][params["page"] - 1])


def served_from(values: dict, codes, world_first=True) -> dict:
    out = {}
    for code in codes:
        rows = [api_row(code, iso, y, v) for (c, iso, y), v in sorted(values.items()) if c == code]
        # real pages also hold aggregates without an ISO3 code, and years without values
        rows.append({**api_row(code, "", 2008, 1.0), "country": {"id": "XY", "value": "Not classified"}})
        rows.append(api_row(code, "CHN", 2010, None))
        out[code] = pages(rows)
    return out


API_VALUES = {
    (EXP, "WLD", 2008): 30.6928407075336,
    (EXP, "WLD", 2024): 29.1,
    (EXP, "CHN", 2024): 19.7,
    (EXP, "USA", 2024): 10.9,
}


class TestPages:
    def test_follows_every_page(self):
        session = FakeSession(served_from(API_VALUES, [EXP]))
        rows = get_pages(session, EXP)
        assert len(rows) == 6 and len(session.calls) == 2
        url, params = session.calls[1]
        assert url == API.format(code=EXP) and params == {"format": "json", "per_page": PER_PAGE, "page": 2}

    def test_empty_indicator(self):
        assert get_pages(FakeSession({EXP: pages([])}), EXP) == []

    def test_error_payload_names_the_indicator_and_the_fix(self):
        with pytest.raises(DataValidationError) as info:
            get_pages(FakeSession({}), "NE.EXP.GNFS.ZX")
        message = str(info.value)
        assert message.startswith("World Bank API, NE.EXP.GNFS.ZX, page 1: 1 problem(s) found")
        assert "Invalid value: The provided parameter value is not valid (id 120)" in message
        assert "check the indicator code 'NE.EXP.GNFS.ZX'" in info.value.fix

    @pytest.mark.parametrize(
        ("session", "error", "expected"),
        [
            (
                FakeSession({}, error=requests.ConnectionError("Max retries exceeded")),
                NetworkError,
                "could not reach the World Bank API for NE.EXP.GNFS.ZS",
            ),
            (FakeSession({EXP: pages([])}, status=503), NetworkError, "answered HTTP 503 for NE.EXP.GNFS.ZS"),
            (FakeSession({EXP: ["<html>maintenance</html>"]}), DataValidationError, "response is not JSON"),
        ],
    )
    def test_network_and_server_failures(self, session, error, expected):
        with pytest.raises(error) as info:
            get_pages(session, EXP)
        assert expected in str(info.value) and info.value.fix


class TestRowsToTidy:
    def test_rows_become_validated_tidy_rows(self):
        rows = get_pages(FakeSession(served_from(API_VALUES, [EXP])), EXP)
        frame = rows_to_tidy(EXP, rows, "2026-11-23", {"WLD", "CHN", "USA"})
        got = {(r.indicator, r.iso3, r.year): r.value for r in frame.itertuples(index=False)}
        assert got == API_VALUES  # rows without an ISO3 code or without a value are skipped
        assert set(frame["dataset"]) == {"wdi"} and set(frame["vintage"]) == {"2026-11-23"}

    def test_bad_rows_are_reported_not_dropped(self):
        rows = [
            api_row(EXP, "WLD", 2008, 30.69),
            api_row(EXP, "ZZZ", 2008, 1.0),
            api_row(EXP, "CHN", "2008M01", 2.0),
            api_row(EXP, "USA", 2008, "n.a."),
            api_row(EXP, "WLD", 2008, 30.7),
        ]
        with pytest.raises(DataValidationError) as info:
            rows_to_tidy(EXP, rows, "2026-11-23", {"WLD", "CHN", "USA"})
        assert info.value.problems == [
            "column 'date': 1 value(s) that are not whole years (line(s) 3)",
            "column 'value': 1 non-numeric value(s) (line 4: 'n.a.')",
            "2 rows with duplicate (indicator, iso3, year) keys (NE.EXP.GNFS.ZS, WLD, 2008) at line(s) 1, 5 "
            "(each indicator, country and year may appear once)",
            "column 'countryiso3code': 1 unknown country code(s) 'ZZZ' at line(s) 2 "
            "(use ISO 3166-1 alpha-3 or World Bank aggregate codes; `imtrade data entities` lists them)",
        ]


class TestFetchLatest:
    def test_writes_a_local_vintage_that_falls_back_to_its_base(self, fetched):
        session = FakeSession(served_from(API_VALUES, [EXP]))
        result = fetch_latest([EXP.lower()], session=session, today=date(2026, 11, 23))
        assert (result.vintage, result.indicators, result.rows) == ("2026-11-23", 1, 4)
        assert result.path == fetched.raw / "wdi" / "2026-11-23"
        stamp = json.loads((result.path / LOCAL_STAMP).read_text())
        assert stamp["origin"] == "worldbank-api" and stamp["base"] == WDI_NEW
        assert set(read_manifest(result.path / "manifest.tsv")) == {
            "indicators/ne.exp.gnfs.zs/data.csv",
            "indicators/ne.exp.gnfs.zs/datapackage.json",
        }
        vintage = load_catalog().dataset("wdi").vintage("2026-11-23")
        assert vintage.local and vintage.origin == "worldbank-api"
        # the new values, exactly (15 significant digits survive the CSV round trip) ...
        out = load_indicators(EXP, countries=["WLD"], vintage="2026-11-23")
        assert {(r.iso3, r.year): r.value for r in out.itertuples()} == {
            ("WLD", 2008): 30.6928407075336,
            ("WLD", 2024): 29.1,
        }
        assert set(out["vintage"]) == {"2026-11-23"}
        # ... and the base vintage for what the download does not hold
        imports = load_indicators(IMP, countries=["WLD"], years=[2008], vintage="2026-11-23")
        assert imports["value"].item() == FAKE_WDI[(IMP, "WLD", 2008)] and imports["vintage"].item() == WDI_NEW

    def test_default_is_every_indicator_of_the_base_vintage(self, fetched):
        session = FakeSession(served_from(FAKE_WDI, sorted(TITLES)))
        result = fetch_latest(session=session, today=date(2026, 11, 23))
        assert result.indicators == 3 and {c[0].rsplit("/", 1)[1] for c in session.calls} == set(TITLES)
        title = json.loads((result.path / "indicators" / "ny.gdp.mktp.cd" / "datapackage.json").read_text())["title"]
        assert title == "GDP (current US$)"

    def test_a_download_on_a_catalogued_date_does_not_replace_that_vintage(self, fetched):
        before = snapshot(fetched.raw)
        result = fetch_latest([EXP], session=FakeSession(served_from(API_VALUES, [EXP])), today=date(2026, 7, 1))
        assert result.vintage == "2026-07-01-api"
        assert {k: v for k, v in snapshot(fetched.raw).items() if "/2026-07-01-api" not in k} == before
        assert load_indicators(EXP, countries=["WLD"], years=[2008])["value"].item() == 30.69  # the catalogued vintage

    def test_downloading_again_replaces_the_days_vintage(self, fetched):
        fetch_latest([EXP], session=FakeSession(served_from(API_VALUES, [EXP])), today=date(2026, 11, 23))
        assert load_indicators(EXP, countries=["WLD"], years=[2024], vintage="2026-11-23")["value"].item() == 29.1
        revised = {**API_VALUES, (EXP, "WLD", 2024): 29.4}
        fetch_latest([EXP], session=FakeSession(served_from(revised, [EXP])), today=date(2026, 11, 23))
        assert load_indicators(EXP, countries=["WLD"], years=[2024], vintage="2026-11-23")["value"].item() == 29.4

    @pytest.mark.parametrize(
        ("session", "error"),
        [
            (FakeSession({EXP: pages([])}, error=requests.ConnectionError("offline")), NetworkError),
            (FakeSession(served_from(API_VALUES, [EXP])), DataValidationError),  # the second code is invalid
        ],
    )
    def test_failures_change_nothing(self, fetched, session, error):
        from imtrade.data.load import load_entities

        load_entities()
        before = fetched.snapshot()
        with pytest.raises(error) as info:
            fetch_latest([EXP, "NOT.A.CODE"], session=session, today=date(2026, 11, 23))
        assert info.value.fix
        assert fetched.snapshot() == before
        assert "2026-11-23" not in load_catalog().dataset("wdi").all_vintages()
