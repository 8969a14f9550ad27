"""Tests of :mod:`imtrade.data.robots`: one IFR figure per economy and year, by one rule."""

from __future__ import annotations

import pandas as pd
import pytest

from imtrade.data import robots


def robot_table() -> pd.DataFrame:
    rows = [
        (2019, "WLD", "installations", 373000, "World Robotics 2020"),
        (2019, "WLD", "installations", 373240, "World Robotics 2020"),
        (2022, "WLD", "installations", 553052, "World Robotics 2023"),
        (2022, "WLD", "installations", 552946, "World Robotics 2024"),
        (2016, "WLD", "installations", 294300, "World Robotics 2018 (preliminary, June 2018)"),
        (2015, "WLD", "installations", 248000, "World Robotics 2016 (preliminary, June 2016)"),
        (2015, "WLD", "installations", 253748, "World Robotics 2016"),
        (2020, "", "installations", 10494, "World Robotics 2021"),  # a sector subset: no ISO3 code
        (2014, "AAA", "installations", 100, "World Robotics 2015 (preliminary, March 2015)"),
        (2020, "AAA", "installations", 210, "IFR preliminary data (2021-07-06)"),
        (2020, "AAA", "installations", 220, "World Robotics 2021"),
        (2023, "BBB", "installations", 50, "World Robotics 2024"),
        (2023, "BBB", "installations", 50, "World Robotics 2024"),
        (2021, "AAA", "robot_density", 300, "World Robotics 2022"),
    ]
    frame = pd.DataFrame(rows, columns=["year", "iso3", "measure", "value", "report_edition"])
    return frame.assign(geography="g", citation="IFR", url="https://ifr.org", unit="units")


def test_robot_rows_types_and_annotates():
    rows = robots.robot_rows(robot_table())
    assert len(rows) == 13 and set(rows["iso3"]) == {"WLD", "", "AAA", "BBB"}  # one measure only
    assert rows["edition_year"].tolist()[:6] == [2020, 2020, 2023, 2024, 2018, 2016]
    assert rows["edition_year"].tolist()[9] == 2021  # the latest 20xx year of the edition's name
    assert rows["preliminary"].tolist()[4:6] == [True, True] and rows["order"].tolist() == list(range(13))


def test_select_editions_rule():
    chosen = robots.select_editions(robots.robot_rows(robot_table())).set_index(["iso3", "year"])
    assert chosen.loc[("WLD", 2022), "value"] == 552946  # the latest (most revised) edition
    assert chosen.loc[("WLD", 2019), "value"] == 373240  # same edition: the more precise figure
    assert chosen.loc[("WLD", 2015), "value"] == 253748  # final beats preliminary
    assert chosen.loc[("AAA", 2020), "value"] == 220 and not chosen.loc[("AAA", 2020), "only_preliminary"]
    assert chosen.loc[("AAA", 2014), "only_preliminary"]  # preliminary only where no final edition covers the year
    assert chosen.loc[("BBB", 2023), "order"] == 11  # an exact tie: the first row of the file
    first = robots.select_editions(robots.robot_rows(robot_table()), rule="first").set_index(["iso3", "year"])
    assert first.loc[("WLD", 2022), "value"] == 553052
    with pytest.raises(ValueError, match="rule"):
        robots.select_editions(robots.robot_rows(robot_table()), rule="median")


def test_robot_series_and_robot_value():
    series = robots.robot_series(robot_table()).set_index(["iso3", "year"])
    assert ("", 2020) not in series.index  # rows without an ISO3 code are left out
    assert series.loc[("WLD", 2019), "value"] == 373240 and series["value"].dtype == robot_table()["value"].dtype
    assert list(series.columns) == ["geography", "value", "report_edition", "preliminary", "citation", "url"]
    rows = robots.robot_rows(robot_table())
    assert robots.robot_value(rows, "WLD", 2022, edition="World Robotics 2023")["value"] == 553052
    assert robots.robot_value(rows, "WLD", 2022)["value"] == 552946
    with pytest.raises(KeyError, match="AAA 2019"):
        robots.robot_value(rows, "AAA", 2019)
