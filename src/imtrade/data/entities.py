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
from collections.abc import Iterable
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


# ---------------------------------------------------------------------------------------
# Names and groups: one display name and one prose name per entity, one group table
#
# Display names go in legends, tables and headings; prose names inside a sentence ("the
# United States", "high-income economies"). Every chapter names economies and groups only
# through these functions, so the book names each one way.

#: Display names that differ from the World Bank's (``TableName``): the short English names
#: the IMF and the OECD use, and readable forms of the World Bank's inverted ones.
DISPLAY_NAMES = {
    "KOR": "Korea",
    "PRK": "Democratic People's Republic of Korea",
    "RUS": "Russia",
    "EGY": "Egypt",
    "IRN": "Iran",
    "VEN": "Venezuela",
    "YEM": "Yemen",
    "COD": "Democratic Republic of the Congo",
    "COG": "Republic of the Congo",
    "GMB": "Gambia",
    "BHS": "Bahamas",
    "FSM": "Micronesia",
    "HKG": "Hong Kong SAR (China)",
    "MAC": "Macao SAR (China)",
}

#: Other names of economies in the register's ``geography`` fields and in common usage.
OTHER_NAMES = {
    "USA": ("US", "U.S."),
    "TUR": ("Turkey", "Turkiye"),
    "VNM": ("Vietnam",),
    "KOR": ("South Korea", "Republic of Korea"),
    "RUS": ("Russian Federation",),
    "GBR": ("UK", "Britain"),
    "CZE": ("Czech Republic",),
}

# Names that take the definite article in running text ("the Netherlands").
_WITH_ARTICLE = (
    "United ",
    "Republic of",
    "Democratic Republic",
    "Democratic People's",
    "Netherlands",
    "Philippines",
    "Czech Republic",
    "Slovak Republic",
    "Kyrgyz Republic",
    "Dominican Republic",
    "Central African Republic",
    "Bahamas",
    "Gambia",
    "Maldives",
    "Marshall Islands",
    "Solomon Islands",
    "Comoros",
    "Seychelles",
)


@dataclass(frozen=True)
class Group:
    """A World Bank aggregate the book compares economies with, and who belongs to it."""

    code: str
    name: str  # display name
    prose: str  # as it reads in a sentence
    column: str  # entity-table column that defines membership ("all": every economy)
    members: tuple[str, ...]  # values of that column (World Bank FY2026 classification)


_INCOMES = ("Upper middle income", "Lower middle income", "Low income")
#: The group table: World Bank aggregate code -> its names and membership rule.
GROUPS: dict[str, Group] = {
    g.code: g
    for g in (
        Group("WLD", "World", "the world", "all", ()),
        Group("HIC", "High income", "high-income economies", "income_group", ("High income",)),
        Group("UMC", "Upper middle income", "upper-middle-income economies", "income_group", _INCOMES[:1]),
        Group("LMC", "Lower middle income", "lower-middle-income economies", "income_group", _INCOMES[1:2]),
        Group("LIC", "Low income", "low-income economies", "income_group", _INCOMES[2:]),
        Group("MIC", "Middle income", "middle-income economies", "income_group", _INCOMES[:2]),
        Group("LMY", "Low and middle income", "low- and middle-income economies", "income_group", _INCOMES),
        Group("EAS", "East Asia and Pacific", "East Asia and Pacific", "region", ("East Asia & Pacific",)),
        Group("ECS", "Europe and Central Asia", "Europe and Central Asia", "region", ("Europe & Central Asia",)),
        Group(
            "LCN",
            "Latin America and the Caribbean",
            "Latin America and the Caribbean",
            "region",
            ("Latin America & Caribbean",),
        ),
        Group("SAS", "South Asia", "South Asia", "region", ("South Asia",)),
        Group("SSF", "Sub-Saharan Africa", "Sub-Saharan Africa", "region", ("Sub-Saharan Africa",)),
        Group("NAC", "North America", "North America", "region", ("North America",)),
    )
}


def _entities(entities: pd.DataFrame | None) -> pd.DataFrame:
    if entities is not None:
        return entities
    from imtrade.data.load import load_entities  # the loader builds its table with this module

    return load_entities()


def group_code(group: str) -> str:
    """The code of a group given by code or by name ('HIC', 'High income', 'Low & middle income').

    Raises
    ------
    ParameterError
        For a name or code that is not in :data:`GROUPS`.
    """
    from imtrade.exceptions import ParameterError

    key = str(group).strip()
    if key.upper() in GROUPS:
        return key.upper()
    wanted = normalise_name(key.replace("&", "and"))
    for g in GROUPS.values():
        if normalise_name(g.name) == wanted:
            return g.code
    raise ParameterError(
        f"unknown group {group!r}; known: {', '.join(GROUPS)} ({', '.join(g.name for g in GROUPS.values())})"
    )


def group_members(group: str, entities: pd.DataFrame | None = None) -> list[str]:
    """Economies (not aggregates) that belong to a group of :data:`GROUPS` (code or name)."""
    g = GROUPS[group_code(group)]
    table = _entities(entities)
    members = table[~table["is_aggregate"].astype(bool)]
    if g.column != "all":
        members = members[members[g.column].isin(g.members)]
    return sorted(members["iso3"])


def income_group_code(income_group: str) -> str | None:
    """The aggregate code of a World Bank income group ('Upper middle income' -> 'UMC'), or None."""
    for g in GROUPS.values():
        if g.column == "income_group" and g.members == (income_group,):
            return g.code
    return None


def economies(entities: pd.DataFrame | None = None) -> list[str]:
    """Codes of every economy (no aggregates) in the entity table, sorted."""
    table = _entities(entities)
    return sorted(table.loc[~table["is_aggregate"].astype(bool), "iso3"])


def readable_name(name: str) -> str:
    """A World Bank name without the inverted comma form.

    'Bolivia, Plurinational State' -> 'Bolivia (Plurinational State)'.
    """
    head, sep, tail = name.partition(", ")
    return f"{head} ({tail})" if sep else name


def with_article(name: str) -> str:
    """A display name as it reads inside a sentence: 'the United States', 'Germany'.

    Idempotent: a name that already reads well in a sentence is returned unchanged.
    """
    if name == "World":
        return "the world"
    return f"the {name}" if name.startswith(_WITH_ARTICLE) else name


def display_names(codes: Iterable[str], entities: pd.DataFrame | None = None) -> dict[str, str]:
    """Entity code -> name for legends, tables and headings ('Korea', 'Low and middle income')."""
    codes = list(codes)
    table = _entities(entities) if any(c not in GROUPS and c not in DISPLAY_NAMES for c in codes) else None
    names = dict(zip(table["iso3"], table["name"], strict=False)) if table is not None else {}
    out = {}
    for code in codes:
        if code in GROUPS:
            out[code] = GROUPS[code].name
        elif code in DISPLAY_NAMES:
            out[code] = DISPLAY_NAMES[code]
        else:
            out[code] = readable_name(str(names.get(code, code)))
    return out


def prose_names(codes: Iterable[str], entities: pd.DataFrame | None = None) -> dict[str, str]:
    """Entity code -> name as it reads inside a sentence ('the United States', 'high-income economies')."""
    names = display_names(codes, entities)
    return {code: GROUPS[code].prose if code in GROUPS else with_article(name) for code, name in names.items()}


def display_name(code: str, entities: pd.DataFrame | None = None) -> str:
    """One entity's display name (see :func:`display_names`)."""
    return display_names([code], entities)[code]


def prose_name(code: str, entities: pd.DataFrame | None = None) -> str:
    """One entity's prose name (see :func:`prose_names`)."""
    return prose_names([code], entities)[code]


def other_names(code: str, known: Iterable[str] = ()) -> list[str]:
    """Every name that identifies an economy in text: the ``known`` ones (e.g. its World Bank
    and display names) and :data:`OTHER_NAMES` (longest first, for matching)."""
    names = {*known, *OTHER_NAMES.get(code, ())}
    return sorted((n for n in names if n), key=len, reverse=True)
