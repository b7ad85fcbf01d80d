"""AppTest checks of the Timeline and the Vessels & flags pages, run through the real app."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.filters import IncidentFilter, filter_incidents
from dashboard.schema import AddedVia, FalseFlag, Verification, flag_label, validate_draft
from dashboard.store import DATA_PATH_ENV, DEFAULT_DATA_PATH, append_incident, load_incidents
from dashboard.vessel_views import vessel_choices

APP = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"
TIMEOUT = 30


@pytest.fixture
def data_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the curated incident file (or a small valid one), used by the app."""
    path = tmp_path / "incidents.csv"
    if DEFAULT_DATA_PATH.exists():
        shutil.copy(DEFAULT_DATA_PATH, path)
    else:
        for fields in (_pursuit(), _seizure()):
            _append(path, fields)
    monkeypatch.setenv(DATA_PATH_ENV, str(path))
    return path


def _pursuit() -> dict[str, object]:
    return {
        "date": "2025-12-20",
        "end_date": "2026-01-07",
        "date_precision": "approximate",
        "event_type": "pursuit",
        "vessel_name": "Bella 1",
        "imo": "9230880",
        "vessel_type": "crude_tanker",
        "flag": "GY",
        "false_flag": "yes",
        "latitude": 13.0,
        "longitude": -60.0,
        "place": "Caribbean Sea",
        "location_precision": "region",
        "agency": "US Coast Guard",
        "outcome": "escaped",
        "summary": "Pursued across the Atlantic.",
        "sources": [{"outlet": "Test", "url": "https://example.org/bella-1"}],
    }


def _seizure(**changes: object) -> dict[str, object]:
    return {
        **_pursuit(),
        "date": "2026-01-07",
        "end_date": None,
        "date_precision": "day",
        "event_type": "seizure",
        "vessel_name": "Marinera",
        "former_names": "Bella 1",
        "flag": "RU",
        "false_flag": "unknown",
        "outcome": "seized",
        "summary": "Seized in the North Atlantic.",
        **changes,
    }


def _append(path: Path, fields: dict[str, object]) -> None:
    append_incident(
        validate_draft(fields),
        added_by="tests",
        added_via=AddedVia.CLI,
        verification=Verification.VERIFIED,
        path=path,
    )


def _open_page(url_path: str) -> AppTest:
    """The real app, run once, then switched to the page ``views/<url_path>.py``."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    return at.switch_page(f"views/{url_path}.py").run()


# Which chart a dataset belongs to, told by a column only that chart's data has.
_CHART_COLUMNS = {"points": "lane", "counts": "count", "killed": "no_toll", "context": "label"}


def _chart_datasets(at: AppTest) -> list[pd.DataFrame]:
    """The data of each Vega-Lite chart on the page, decoded from the Arrow it was sent as."""
    return [
        pa.ipc.open_stream(dataset.data.data).read_all().to_pandas()
        for chart in at.get("vega_lite_chart")
        for dataset in chart.proto.datasets
    ]


def _chart_rows(at: AppTest) -> dict[str, pd.DataFrame]:
    """The timeline page's chart data by kind (points, counts, killed, context)."""
    frames: dict[str, pd.DataFrame] = {}
    for frame in _chart_datasets(at):
        kinds = [kind for kind, column in _CHART_COLUMNS.items() if column in frame.columns]
        assert len(kinds) <= 1, frame.columns
        if kinds:
            assert kinds[0] not in frames, f"two {kinds[0]} datasets"
            frames[kinds[0]] = frame
    return frames


def _curated(data_file: Path) -> pd.DataFrame:
    return filter_incidents(load_incidents(data_file).incidents, IncidentFilter())


def _table(at: AppTest, column: str) -> pd.DataFrame:
    """The first st.dataframe on the page with ``column`` (AppTest does not expose their keys)."""
    return next(frame.value for frame in at.dataframe if column in frame.value.columns)


def _markdown(at: AppTest) -> str:
    return "\n".join(element.value for element in at.markdown)


def test_timeline_page_draws_every_filtered_incident_and_the_counts(
    tmp_path: Path, data_file: Path
) -> None:
    at = _open_page("timeline")
    assert not at.exception
    assert [title.value for title in at.title] == ["Timeline"]
    shown = _curated(data_file)
    charts = _chart_rows(at)
    assert sorted(charts["points"]["id"]) == sorted(shown["id"])
    assert charts["counts"]["count"].sum() == len(shown)
    assert f"{len(shown):,} of {len(shown):,} incidents match" in at.caption[0].value
    assert [subheader.value for subheader in at.subheader] == [
        "Incidents per week",
        "People reported killed in strikes per week",
    ]


def test_timeline_counts_switch_to_months(data_file: Path) -> None:
    at = _open_page("timeline")
    at.radio(key="timeline_period").set_value("M").run()
    assert not at.exception
    assert at.subheader[0].value == "Incidents per month"
    counts = _chart_rows(at)["counts"]
    assert counts["count"].sum() == len(_curated(data_file))
    assert all(period.endswith(("2025", "2026")) for period in counts["period"])


def test_timeline_follows_the_flag_filter(data_file: Path) -> None:
    at = _open_page("timeline")
    at.sidebar.multiselect(key="filter_flags").set_value(["GY"]).run()
    assert not at.exception
    frame = _curated(data_file)
    guyana = frame[frame["flag"] == "GY"]
    charts = _chart_rows(at)
    assert sorted(charts["points"]["id"]) == sorted(guyana["id"])
    assert charts["counts"]["count"].sum() == len(guyana)


def test_timeline_with_no_matching_incident_says_so(data_file: Path) -> None:
    at = _open_page("timeline")
    at.sidebar.text_input(key="filter_text").set_value("no such vessel anywhere").run()
    assert not at.exception
    assert at.get("vega_lite_chart") == []
    assert "No incidents match the filters" in at.info[0].value
    # The page's own button clears every filter, and the timeline comes back.
    at.button(key="clear_filters_incidents").click().run()
    assert not at.exception
    assert at.sidebar.text_input(key="filter_text").value == ""
    assert at.get("vega_lite_chart") != []


def test_vessels_page_shows_a_vessel_through_its_rename(data_file: Path) -> None:
    at = _open_page("vessels")
    assert not at.exception
    assert [title.value for title in at.title] == ["Vessels and flags"]
    frame = _curated(data_file)
    vessel = at.selectbox(key="vessel_choice")
    assert vessel.options == [label for _, label in vessel_choices(frame)]
    vessel.set_value("imo:9230880").run()
    assert not at.exception
    history = _table(at, "Vessel")
    assert list(history["Vessel"]) == ["Bella 1", "Marinera"]
    assert list(history["Date"]) == sorted(history["Date"])
    assert "Bella 1 → Marinera" in _markdown(at)


def test_vessels_page_counts_incidents_per_flag(data_file: Path) -> None:
    at = _open_page("vessels")
    frame = _curated(data_file)
    table = _table(at, "false_share")
    assert table["incidents"].sum() == len(frame)
    assert set(table["label"]) == {flag_label(flag) for flag in frame["flag"].dropna()} | (
        {flag_label(None)} if frame["flag"].isna().any() else set()
    )
    assert table["false_flags"].sum() == (frame["false_flag"] == FalseFlag.YES).sum()
    (bars, _shares) = _chart_datasets(at)
    assert bars["count"].sum() == len(frame)


def test_vessels_page_uses_only_the_filtered_incidents(data_file: Path) -> None:
    at = _open_page("vessels")
    at.sidebar.multiselect(key="filter_flags").set_value(["GY"]).run()
    assert not at.exception
    frame = _curated(data_file)
    guyana = frame[frame["flag"] == "GY"]
    assert at.selectbox(key="vessel_choice").options == [
        label for _, label in vessel_choices(guyana)
    ]
    assert list(_table(at, "false_share")["label"]) == ["Guyana (GY)"]
    assert f"{len(guyana):,} of {len(frame):,} incidents" in at.caption[0].value


def test_a_vessels_history_holds_only_its_filtered_incidents(data_file: Path) -> None:
    # Bella 1 flew Guyana's flag; as Marinera, Russia's: filtered to Guyana, one row is left.
    at = _open_page("vessels")
    at.sidebar.multiselect(key="filter_flags").set_value(["GY"]).run()
    at.selectbox(key="vessel_choice").set_value("imo:9230880").run()
    assert not at.exception
    history = _table(at, "Vessel")
    frame = _curated(data_file)
    expected = frame[(frame["imo"] == "9230880") & (frame["flag"] == "GY")]
    assert list(history["ID"]) == list(expected.sort_values("date")["id"])
    assert list(history["Vessel"]) == ["Bella 1"]


def test_vessels_page_shows_file_text_as_text(data_file: Path) -> None:
    hostile = "[click](https://evil.example) <img src=x onerror=alert(1)> :red[loud] $x$"
    _append(
        data_file,
        _seizure(
            vessel_name="Zz Hostile",
            imo=None,
            former_names="",
            sanctions=hostile,
            date=dt.date(2026, 1, 8).isoformat(),
        ),
    )
    at = _open_page("vessels")
    key = next(key for key, label in vessel_choices(_curated(data_file)) if "Hostile" in label)
    at.selectbox(key="vessel_choice").set_value(key).run()
    assert not at.exception
    markdown = _markdown(at)
    # Every markdown and Streamlit special character reaches st.markdown backslash-escaped.
    assert hostile not in markdown
    assert (
        r"\[click\]\(https\:\/\/evil\.example\) \<img src\=x onerror\=alert\(1\)\> "
        r"\:red\[loud\] \$x\$"
    ) in markdown
