"""The record's tallies are sums of its rows: checked against the raw CSV, the About page, the
timeline's killed chart and the README, so no figure can drift from the data."""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.sea_areas import OTHER_WATERS, sea_area
from dashboard.tallies import (
    record_summary_markdown,
    strikes_by_month,
    strikes_by_sea_area,
    tally_strikes,
)

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "dashboard" / "app.py"
README = ROOT / "README.md"


def _raw_strikes(path: Path) -> list[dict[str, str]]:
    """The strike rows as the CSV module reads them: the independent side of every comparison."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [row for row in csv.DictReader(handle) if row["event_type"] == "strike"]


def _raw_sum(rows: list[dict[str, str]], column: str) -> int:
    return sum(int(row[column]) for row in rows if row[column])


@pytest.mark.parametrize(
    ("latitude", "longitude", "area"),
    [
        (14.5, -70.0, "Caribbean Sea"),  # the curated placeholder for "the Caribbean"
        (11.2, -62.5, "Caribbean Sea"),  # north of the Paria peninsula
        (18.0, -83.0, "Caribbean Sea"),  # south of Cuba's western end
        (8.0, -90.0, "Eastern Pacific"),  # the curated placeholder for "the eastern Pacific"
        (3.0, -80.0, "Eastern Pacific"),  # off Colombia's Pacific coast
        (13.2, -58.5, "Atlantic Ocean"),  # east of Barbados is outside the Caribbean arc
        (62.0, -15.0, "Atlantic Ocean"),  # south of Iceland (Marinera)
        (24.0, -90.0, "Gulf of Mexico"),
        (-12.0, 97.0, "Indian Ocean"),  # near the Cocos (Keeling) Islands
        (4.0, 73.0, "Indian Ocean"),  # off the Maldives
        (35.0, 140.0, OTHER_WATERS),  # off Japan: none of the named seas
    ],
)
def test_sea_area_names_the_basin_a_point_lies_in(
    latitude: float, longitude: float, area: str
) -> None:
    assert sea_area(latitude, longitude) == area


def test_strike_tally_equals_the_sums_of_the_strike_rows(
    curated: pd.DataFrame, curated_copy: Path
) -> None:
    raw = _raw_strikes(curated_copy)
    tally = tally_strikes(curated)
    assert tally.strikes == len(raw)
    assert tally.vessels_struck == _raw_sum(raw, "vessels_struck")
    assert tally.killed == _raw_sum(raw, "killed")
    assert tally.survivors == _raw_sum(raw, "survivors")
    # An empty toll is "not reported", never zero.
    assert tally.killed_not_reported == sum(1 for row in raw if not row["killed"])


def test_monthly_and_sea_area_tallies_add_up_to_the_whole(curated: pd.DataFrame) -> None:
    tally = tally_strikes(curated)
    for table in (strikes_by_month(curated), strikes_by_sea_area(curated)):
        assert table["strikes"].sum() == tally.strikes
        assert table["killed"].sum() == tally.killed
        assert table["killed_not_reported"].sum() == tally.killed_not_reported


def test_monthly_tally_counts_the_strikes_of_each_month(
    curated: pd.DataFrame, curated_copy: Path
) -> None:
    expected = Counter(row["date"][:7] for row in _raw_strikes(curated_copy))
    assert strikes_by_month(curated)["strikes"].to_dict() == dict(expected)


def _metric(at: AppTest, label: str) -> int:
    (metric,) = (element for element in at.get("metric") if element.label == label)
    return int(metric.value.replace(",", ""))


def test_about_page_shows_the_sums_of_the_rows(app_data: Path) -> None:
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.query_params["page"] = "about"
    at.switch_page("views/about.py").run()
    assert not at.exception
    raw = _raw_strikes(app_data)
    assert _metric(at, "Strikes") == len(raw)
    assert _metric(at, "Reported killed") == _raw_sum(raw, "killed")
    assert _metric(at, "Boats struck") == _raw_sum(raw, "vessels_struck")
    assert _metric(at, "Reported survivors") == _raw_sum(raw, "survivors")
    page_text = "\n".join(element.value for element in at.markdown)
    # The server's directories are not shown: the file's name only.
    assert str(app_data.parent) not in page_text + "".join(str(e.value) for e in at.get("text"))


def _timeline_datasets(at: AppTest) -> list[pd.DataFrame]:
    return [
        pa.ipc.open_stream(dataset.data.data).read_all().to_pandas()
        for chart in at.get("vega_lite_chart")
        for dataset in chart.proto.datasets
    ]


def test_killed_chart_sums_to_the_reported_dead(app_data: Path) -> None:
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.switch_page("views/timeline.py").run()
    assert not at.exception
    (killed,) = [frame for frame in _timeline_datasets(at) if "no_toll" in frame.columns]
    raw = _raw_strikes(app_data)
    assert killed["killed"].sum() == _raw_sum(raw, "killed")
    assert killed["strikes"].sum() == len(raw)


def test_context_rules_can_be_switched_off(app_data: Path) -> None:
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.switch_page("views/timeline.py").run()
    labelled = [frame for frame in _timeline_datasets(at) if "label" in frame.columns]
    assert labelled and len(labelled[0]) > 0
    at.toggle(key="timeline_context").set_value(False).run()
    assert not at.exception
    assert [frame for frame in _timeline_datasets(at) if "label" in frame.columns] == []


def test_readme_states_the_figures_of_the_current_record(curated: pd.DataFrame) -> None:
    text = README.read_text(encoding="utf-8")
    section = re.search(r"<!-- record-summary -->\n(.*?)\n<!-- /record-summary -->", text, re.S)
    assert section, "README lacks the generated record summary block"
    # Regenerate with: python -m dashboard summary
    assert section.group(1) == record_summary_markdown(curated)
