"""Download the newest WDI data from the World Bank's documented REST API (v2).

``https://api.worldbank.org/v2/country/all/indicator/<CODE>?format=json&per_page=...&page=N``
returns ``[meta, rows]`` pages; each row has ``countryiso3code``, ``date`` and ``value``.
The result is written as a local WDI vintage named by the download date (see
:mod:`imtrade.data.vintages`), in the same tidy form as the catalogued vintages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from imtrade.data.fetch import CONNECT_TIMEOUT, READ_TIMEOUT, _session
from imtrade.data.validation import Problems, numeric_column, validate_tidy, year_column
from imtrade.data.vintages import write_local_vintage
from imtrade.exceptions import DataValidationError, NetworkError

API = "https://api.worldbank.org/v2/country/all/indicator/{code}"
PER_PAGE = 20000


@dataclass(frozen=True)
class ApiResult:
    vintage: str
    indicators: int
    rows: int
    path: Path


def get_pages(session, code: str) -> list[dict]:
    """All data rows of one indicator (follows ``pages``). Raises NetworkError / DataValidationError."""
    import requests

    rows: list[dict] = []
    page, pages = 1, 1
    while page <= pages:
        url = API.format(code=code)
        params = {"format": "json", "per_page": PER_PAGE, "page": page}
        try:
            response = session.get(url, params=params, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT))
        except requests.RequestException as exc:
            raise NetworkError(
                f"could not reach the World Bank API for {code}: {exc.__class__.__name__}",
                fix="check the network connection; offline, use the catalogued vintages (imtrade fetch --mirror PATH)",
            ) from None
        if response.status_code != 200:
            raise NetworkError(
                f"the World Bank API answered HTTP {response.status_code} for {code} ({url}, page {page})",
                fix="try again later; offline, use the catalogued vintages (imtrade fetch --mirror PATH)",
            )
        try:
            payload = response.json()
        except ValueError:
            raise DataValidationError(
                f"World Bank API, {code}, page {page}",
                ["response is not JSON"],
                fix="try again later; the API may be down",
            ) from None
        if not isinstance(payload, list) or len(payload) < 2 or not isinstance(payload[0], dict):
            raise DataValidationError(
                f"World Bank API, {code}, page {page}",
                [f"the API refused the request: {_api_message(payload)}"],
                fix=f"check the indicator code {code!r} (WDI codes look like NE.EXP.GNFS.ZS); "
                "https://data.worldbank.org/indicator lists them",
            )
        pages = int(payload[0].get("pages", 1) or 1)
        rows += payload[1] or []
        page += 1
    return rows


def _api_message(payload) -> str:
    """The text of an API error payload ``[{"message": [{"id", "key", "value"}]}]``."""
    head = payload[0] if isinstance(payload, list) and payload else payload
    messages = head.get("message") if isinstance(head, dict) else None
    if isinstance(messages, list) and messages and all(isinstance(m, dict) for m in messages):
        return "; ".join(f"{m.get('key', '')}: {m.get('value', '')} (id {m.get('id', '?')})" for m in messages)
    return f"unexpected response {str(payload)[:200]!r}"


def rows_to_tidy(code: str, rows: list[dict], vintage: str, known_codes: set[str] | None) -> pd.DataFrame:
    """API rows -> validated tidy frame (rows without an ISO3 code or a value are skipped)."""
    records = [
        {
            "indicator": code,
            "iso3": r.get("countryiso3code") or "",
            "year": r.get("date"),
            "value": r.get("value"),
            "_line": i + 1,
        }
        for i, r in enumerate(rows)
        if r.get("countryiso3code") and r.get("value") is not None
    ]
    frame = pd.DataFrame(records, columns=["indicator", "iso3", "year", "value", "_line"])
    frame = frame.assign(dataset="wdi", vintage=vintage)
    problems = Problems(f"World Bank API, {code}")
    # rows are numbered 1.. in the order the API returned them (all pages)
    frame["year"] = year_column(frame["year"], frame["_line"], "date", problems)
    frame["value"] = numeric_column(frame["value"], frame["_line"], "value", problems)
    labels = {"iso3": "countryiso3code", "year": "date"}
    return validate_tidy(
        frame[["dataset", "vintage", "indicator", "iso3", "year", "value", "_line"]],
        problems,
        known_codes,
        labels=labels,
    )


def fetch_latest(
    indicators: list[str] | None = None, *, session=None, today: date | None = None, progress: bool = False
) -> ApiResult:
    """Download ``indicators`` (default: every indicator of the default vintage) as vintage <today>."""
    from tqdm.auto import tqdm

    from imtrade.data.load import store

    s = store()
    base = s.catalog.dataset("wdi").default_vintage
    codes = [c.upper() for c in indicators] if indicators else sorted(s.index("wdi", base))
    vintage = (today or date.today()).isoformat()
    if vintage in s.catalog.dataset("wdi").vintages:  # never shadow a catalogued vintage of the same date
        vintage = f"{vintage}-api"
    session = session or _session()
    frames, titles = [], {}
    for code in tqdm(codes, desc="World Bank API", disable=not progress):
        rows = get_pages(session, code)
        if rows:
            titles[code] = (rows[0].get("indicator") or {}).get("value", code)
        frames.append(rows_to_tidy(code, rows, vintage, s.resolver.codes))
    tidy = pd.concat(frames, ignore_index=True)
    names = dict(zip(s.entities["iso3"], s.entities["name"], strict=False))
    path = write_local_vintage(
        tidy,
        vintage,
        origin="worldbank-api",
        base=base,
        names=names,
        titles=titles,
        notes=f"Downloaded from api.worldbank.org on {vintage}",
    )
    s.forget("wdi", vintage)  # a vintage downloaded again today replaces the one this process may have read
    return ApiResult(vintage, len(codes), len(tidy), path)
