"""The entity table: every economy and aggregate the book's data can name.

Columns: ``iso3`` (ISO 3166-1 alpha-3 for economies; World Bank codes for its aggregates,
e.g. WLD, LMY, HIC, EAS; ``M49_<n>`` for UN M49 regions), ``name``, ``region`` and
``income_group`` (World Bank classification, FY2026; empty for aggregates), ``is_aggregate``,
``m49`` (UN numeric code where known) and ``gapminder`` (Gapminder's lower-case code).

Built from three fetched files: the World Bank country metadata (wb-bulk), Gapminder's geo
entities and the UN SDG geo areas. Economies only Gapminder knows (e.g. Taiwan, TWN) are
kept with empty region and income group.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import pandas as pd

from imtrade.exceptions import UnknownCountryError

# Names used by Our World in Data (and other name-keyed sources) that differ from the
# World Bank's and Gapminder's names.
NAME_ALIASES = {
    "world": "WLD",
    "russia": "RUS",
    "south korea": "KOR",
    "north korea": "PRK",
    "united states": "USA",
    "vietnam": "VNM",
    "iran": "IRN",
    "egypt": "EGY",
    "syria": "SYR",
    "laos": "LAO",
    "venezuela": "VEN",
    "yemen": "YEM",
    "gambia": "GMB",
    "bahamas": "BHS",
    "kyrgyzstan": "KGZ",
    "macedonia": "MKD",
    "north macedonia": "MKD",
    "congo": "COG",
    "democratic republic of congo": "COD",
    "democratic republic of the congo": "COD",
    "cape verde": "CPV",
    "micronesia": "FSM",
    "micronesia country": "FSM",
    "brunei": "BRN",
    "hong kong": "HKG",
    "macao": "MAC",
    "macau": "MAC",
    "taiwan": "TWN",
    "cote d ivoire": "CIV",
    "timor": "TLS",
    "east timor": "TLS",
    "czech republic": "CZE",
    "czechia": "CZE",
    "slovakia": "SVK",
    "saint lucia": "LCA",
    "saint kitts and nevis": "KNA",
    "saint vincent and the grenadines": "VCT",
    "turkey": "TUR",
    "turkiye": "TUR",
    "swaziland": "SWZ",
    "eswatini": "SWZ",
    "palestine": "PSE",
    "kosovo": "XKX",
    "curacao": "CUW",
    "sao tome and principe": "STP",
    "united republic of tanzania": "TZA",
    "tanzania": "TZA",
    "bolivia": "BOL",
    "moldova": "MDA",
    "slovak republic": "SVK",
}


# Names of regions and groupings (not economies) used by name-keyed sources such as OWID. Their
# rows are left out: their definitions differ from the World Bank aggregates of the same name
# (OWID's "North America" is not the World Bank's NAC). Any other unknown name is an error.
REGION_NAMES = frozenset(
    {  # normalised (see normalise_name)
        "africa",
        "asia",
        "europe",
        "oceania",
        "north america",
        "south america",
        "central america",
        "latin america",
        "latin america and the caribbean",
        "middle east",
        "eu27",
        "eu 27",
        "eu28",
        "eu 28",
        "european union",
        "european union 27",
        "european union 28",
        "oecd",
        "non oecd",
        "high income",
        "low income",
        "lower middle income",
        "upper middle income",
        "international transport",
        "asia excl china india",
        "europe excl eu 27",
        "europe excl eu 28",
        "north america excl usa",
    }
)


# ISO 3166 codes that upstream files use but neither the World Bank nor Gapminder lists
# (ISO 3166-1 current, or ISO 3166-3 former codes). Kept as economies without region/income.
EXTRA_ENTITIES = {
    "BES": "Bonaire, Sint Eustatius and Saba",
    "ANT": "Netherlands Antilles (former, ISO 3166-3)",
}


def normalise_name(name: str) -> str:
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()
    return re.sub(r"\s+", " ", text)


@dataclass
class EntityResolver:
    """Maps the codes and names used by each layout to the entity codes of the table."""

    table: pd.DataFrame
    codes: set[str] = field(init=False)
    _gapminder: dict[str, str | None] = field(init=False)
    _m49: dict[str, str] = field(init=False)
    _names: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        t = self.table
        self.codes = set(t["iso3"])
        self._gapminder = {}
        self._m49 = {}
        self._names = {}
        for row in t.itertuples(index=False):
            if isinstance(row.gapminder, str) and row.gapminder:
                self._gapminder[row.gapminder] = row.iso3
            if pd.notna(row.m49):
                self._m49.setdefault(str(int(row.m49)), row.iso3)
            if not row.is_aggregate:  # aggregates only by explicit alias (e.g. 'World'): see REGION_NAMES
                self._names.setdefault(normalise_name(row.name), row.iso3)
        for alias, code in NAME_ALIASES.items():
            self._names.setdefault(alias, code)

    def add_gapminder_without_iso(self, codes: list[str]) -> None:
        for code in codes:
            self._gapminder.setdefault(code, None)

    def add_names(self, names: dict[str, str]) -> None:
        """More names of known economies (e.g. Gapminder's 'Somalia' for the World Bank's 'Somalia, Fed. Rep.')."""
        for name, code in names.items():
            if code in self.codes:
                self._names.setdefault(normalise_name(name), code)

    def is_region_name(self, names: pd.Series) -> pd.Series:
        """True for names of regions and groupings (REGION_NAMES), which map to no entity."""
        return names.map(lambda n: isinstance(n, str) and normalise_name(n) in REGION_NAMES).astype(bool)

    def from_gapminder(self, geo: pd.Series) -> tuple[pd.Series, set[str]]:
        """Gapminder codes -> entity codes; historical entities map to NA; unknown reported."""
        keys = geo.str.strip().str.lower()
        unknown = set(keys.dropna()) - set(self._gapminder)
        return keys.map(self._gapminder), unknown

    def from_m49(self, geo_area: pd.Series) -> tuple[pd.Series, set[str]]:
        keys = geo_area.str.strip().str.lstrip("0").replace("", "0")
        unknown = set(keys.dropna()) - set(self._m49)
        return keys.map(self._m49), unknown

    def from_names(self, names: pd.Series) -> pd.Series:
        return names.map(lambda n: self._names.get(normalise_name(n)) if isinstance(n, str) else None)


def make_resolver(table: pd.DataFrame, gapminder_geo: pd.DataFrame) -> EntityResolver:
    """The resolver of an entity table, knowing Gapminder's codes of historical entities
    (which map to nothing) and Gapminder's names of economies (which name-keyed sources use)."""
    resolver = EntityResolver(table)
    iso = gapminder_geo["iso3166_1_alpha3"]
    resolver.add_gapminder_without_iso(list(gapminder_geo.loc[iso.isna() | (iso == ""), "country"]))
    if "name" in gapminder_geo:
        with_iso = gapminder_geo[iso.notna() & (iso != "") & gapminder_geo["name"].notna()]
        resolver.add_names(dict(zip(with_iso["name"], with_iso["iso3166_1_alpha3"], strict=False)))
    return resolver


def build_entity_table(wb_metadata: pd.DataFrame, gapminder_geo: pd.DataFrame, sdg_geo: pd.DataFrame) -> pd.DataFrame:
    """Combine the three sources into the entity table (pure function of its inputs).

    Parameters
    ----------
    wb_metadata : World Bank ``Metadata_Country`` file (Country Code, Region, IncomeGroup, TableName).
    gapminder_geo : Gapminder ``ddf--entities--geo--country.csv``.
    sdg_geo : UN SDG ``ddf--entities--geo_area.csv`` (geo_area, name).
    """
    wb = pd.DataFrame(
        {
            "iso3": wb_metadata["Country Code"].str.strip(),
            "name": wb_metadata["TableName"].str.strip(),
            "region": wb_metadata["Region"].fillna("").str.strip(),
            "income_group": wb_metadata["IncomeGroup"].fillna("").str.strip(),
        }
    )
    wb["is_aggregate"] = wb["region"] == ""  # the World Bank leaves Region empty for aggregates
    gm = gapminder_geo.rename(columns={"iso3166_1_alpha3": "iso3", "iso3166_1_numeric": "m49", "country": "gapminder"})
    gm = gm[["gapminder", "iso3", "m49", "name"]]
    with_iso = gm[gm["iso3"].notna() & (gm["iso3"] != "")]
    table = wb.merge(with_iso[["iso3", "m49", "gapminder"]], on="iso3", how="left")
    extra = with_iso[~with_iso["iso3"].isin(wb["iso3"])].assign(region="", income_group="", is_aggregate=False)
    iso_extra = pd.DataFrame(
        {
            "iso3": list(EXTRA_ENTITIES),
            "name": list(EXTRA_ENTITIES.values()),
            "region": "",
            "income_group": "",
            "is_aggregate": False,
            "m49": None,
            "gapminder": None,
        }
    )
    table = pd.concat(
        [table, extra[table.columns], iso_extra[~iso_extra["iso3"].isin(table["iso3"])]], ignore_index=True
    )
    table["m49"] = pd.to_numeric(table["m49"], errors="coerce")
    # UN M49 regions (World is WLD; the rest get M49_<n> codes)
    known_m49 = set(pd.to_numeric(table["m49"], errors="coerce").dropna().astype(int))
    sdg = sdg_geo.assign(m49=pd.to_numeric(sdg_geo["geo_area"], errors="coerce"))
    regions = sdg[sdg["m49"].notna() & ~sdg["m49"].astype(int).isin(known_m49)]
    world = regions["m49"] == 1
    table.loc[table["iso3"] == "WLD", "m49"] = 1
    regions = regions[~world]
    un = pd.DataFrame(
        {
            "iso3": "M49_" + regions["m49"].astype(int).astype(str),
            "name": regions["name"].str.strip() + " (UN M49)",
            "region": "",
            "income_group": "",
            "is_aggregate": True,
            "m49": regions["m49"],
            "gapminder": None,
        }
    )
    table = pd.concat([table, un], ignore_index=True)
    table["m49"] = pd.to_numeric(table["m49"], errors="coerce").astype("Int64")
    table["gapminder"] = table["gapminder"].astype("string")
    table["is_aggregate"] = table["is_aggregate"].astype(bool)
    table = table.drop_duplicates("iso3").sort_values("iso3").reset_index(drop=True)
    return table[["iso3", "name", "region", "income_group", "is_aggregate", "m49", "gapminder"]]


def check_codes(codes: list[str], table: pd.DataFrame) -> list[str]:
    """Upper-case and check entity codes; raise UnknownCountryError naming each bad one."""
    import difflib

    wanted = [str(c).strip().upper() for c in codes]
    known = set(table["iso3"])
    bad = [c for c in wanted if c not in known]
    if bad:
        names = dict(zip(table["iso3"], table["name"], strict=False))
        hints = []
        for code in bad:
            close = difflib.get_close_matches(code, known, n=3, cutoff=0.6)
            hints.append(
                f"{code}" + (f" (did you mean {', '.join(f'{c} {names[c]}' for c in close)}?)" if close else "")
            )
        raise UnknownCountryError(
            f"unknown country/entity code(s): {'; '.join(hints)}",
            fix="use ISO 3166-1 alpha-3 codes (e.g. CHN, USA) or World Bank aggregates (WLD, LMY, HIC); "
            "`imtrade data entities` lists every code",
        )
    return wanted
