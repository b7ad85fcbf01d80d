"""The timeline charts: their specs hold exactly the filtered incidents, coloured like the map."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.colours import EVENT_COLOURS, event_colour, event_colour_scale
from dashboard.filters import IncidentFilter, filter_incidents
from dashboard.schema import EventType
from dashboard.timeline import (
    EMPTY_MESSAGE,
    MAX_TIMELINE_POINTS,
    TIMELINE_COLUMNS,
    build_counts_chart,
    build_killed_chart,
    build_timeline_chart,
    count_by_period,
    timeline_data,
)


def _layers(spec: dict) -> list[dict]:
    return spec.get("layer", [spec])


def _rows(spec: dict) -> list[dict]:
    """Every inlined data row of a chart spec, across its datasets."""
    return [row for rows in spec.get("datasets", {}).values() for row in rows]


def _is_missing(value: object) -> bool:
    """True for a cell the spec leaves empty (Altair writes missing text as null or NaN)."""
    return value is None or value != value


def _colour_scale(spec: dict) -> dict:
    return _layers(spec)[0]["encoding"]["color"]["scale"]


def _big_frame(frame: pd.DataFrame, size: int) -> pd.DataFrame:
    """``size`` incidents: the curated rows repeated on successive days, with fresh ids."""
    repeats = -(-size // len(frame))
    big = pd.concat([frame] * repeats, ignore_index=True).head(size)
    shift = pd.to_timedelta(big.index // len(frame), unit="D")
    big["date"] = big["date"] + shift
    big["end_date"] = big["end_date"] + shift
    big["id"] = [f"INC-{number:06d}" for number in range(1, size + 1)]
    return big


@pytest.mark.parametrize(
    "incident_filter",
    [
        IncidentFilter(),  # everything
        IncidentFilter(flags=("GY",)),  # one flag state, including the pursuit
        IncidentFilter(event_types=("pursuit",)),  # the pursuit alone
    ],
)
def test_timeline_spec_holds_exactly_the_filtered_ids(
    curated: pd.DataFrame, incident_filter: IncidentFilter
) -> None:
    filtered = filter_incidents(curated, incident_filter)
    spec = build_timeline_chart(filtered).to_dict()
    ids = [row["id"] for row in _rows(spec)]
    assert sorted(ids) == sorted(filtered["id"])


@pytest.mark.parametrize("period", ["W", "M"])
def test_counts_sum_to_the_number_of_rows_per_event_type(
    curated: pd.DataFrame, period: str
) -> None:
    rows = _rows(build_counts_chart(curated, period).to_dict())
    assert sum(row["count"] for row in rows) == len(curated)
    by_event: dict[str, int] = {}
    for row in rows:
        by_event[row["event"]] = by_event.get(row["event"], 0) + row["count"]
    expected = {
        EventType(value).label: int(count)
        for value, count in curated["event_type"].astype(str).value_counts().items()
    }
    assert by_event == expected


def test_counts_are_stacked_without_gaps_or_overlaps(curated: pd.DataFrame) -> None:
    counts = count_by_period(curated, "M")
    for _, bars in counts.groupby("period_start"):
        assert list(bars["y0"]) == [0, *bars["y1"].iloc[:-1]]
        assert bars["y1"].iloc[-1] == bars["count"].sum() == bars["total"].iloc[0]


@pytest.mark.parametrize("build", [build_timeline_chart, build_counts_chart])
def test_charts_colour_every_event_type_as_colours_py_says(
    curated: pd.DataFrame, build: object
) -> None:
    scale = _colour_scale(build(curated).to_dict())  # type: ignore[operator]
    assert scale["domain"] == [member.label for member in EventType]
    assert scale["range"] == [EVENT_COLOURS[member] for member in EventType]


def test_every_event_type_has_its_own_colour() -> None:
    domain, colours = event_colour_scale()
    assert len(domain) == len(EventType)
    assert len(set(colours)) == len(colours)
    assert event_colour("pursuit") == EVENT_COLOURS[EventType.PURSUIT]
    assert event_colour("not a type") == EVENT_COLOURS[EventType.OTHER]


def test_a_pursuit_becomes_a_span_to_its_end_date(curated: pd.DataFrame) -> None:
    pursuits = curated[curated["end_date"].notna()]
    assert not pursuits.empty, "the curated data should hold a pursuit with an end date"
    spec = build_timeline_chart(curated).to_dict()
    rows = {row["id"]: row for row in _rows(spec)}
    for _, pursuit in pursuits.iterrows():
        row = rows[pursuit["id"]]
        assert row["start"] == pursuit["date"].strftime("%Y-%m-%d")
        assert row["end"] == pursuit["end_date"].strftime("%Y-%m-%d")
    span, points = _layers(spec)
    assert span["mark"]["type"] == "rule"
    assert span["encoding"]["x"]["field"] == "start"
    assert span["encoding"]["x2"]["field"] == "end"
    assert points["mark"]["type"] == "circle"
    single_day = [row for row in rows.values() if _is_missing(row["end"])]
    assert len(single_day) == len(curated) - len(pursuits)


def test_incidents_on_the_same_day_and_type_get_different_lanes(curated: pd.DataFrame) -> None:
    data = timeline_data(curated)
    for _, same_day in data.groupby(["event", "start"]):
        assert same_day["lane"].is_unique


@pytest.mark.parametrize("build", [build_timeline_chart, build_counts_chart])
def test_an_empty_frame_gives_a_chart_that_says_so(curated: pd.DataFrame, build: object) -> None:
    spec = build(curated.iloc[:0]).to_dict()  # type: ignore[operator]
    assert spec["mark"]["type"] == "text"
    assert _rows(spec) == [{"message": EMPTY_MESSAGE}]


def test_a_hundred_thousand_incidents_do_not_overflow_altair(curated: pd.DataFrame) -> None:
    big = _big_frame(curated, 100_000)
    timeline_rows = _rows(build_timeline_chart(big).to_dict())
    assert len(timeline_rows) == MAX_TIMELINE_POINTS
    # The most recent incidents are the ones kept.
    newest = big["end_date"].fillna(big["date"]).max().strftime("%Y-%m-%d")
    last_days = [row["start"] if _is_missing(row["end"]) else row["end"] for row in timeline_rows]
    assert max(last_days) == newest
    for period in ("W", "M"):
        counts = _rows(build_counts_chart(big, period).to_dict())
        assert sum(row["count"] for row in counts) == len(big)


def test_an_unknown_period_is_refused(curated: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="'W' \\(week\\) or 'M' \\(month\\)"):
        build_counts_chart(curated, "D")  # type: ignore[arg-type]


@pytest.mark.parametrize("period", ["W", "M"])
@pytest.mark.parametrize("build", [build_timeline_chart, build_counts_chart, build_killed_chart])
def test_the_timeline_columns_draw_the_same_charts_as_whole_rows(
    curated: pd.DataFrame, build: object, period: str
) -> None:
    # The page copies only TIMELINE_COLUMNS out of the filtered incidents.
    whole = build(curated, period=period).to_dict()  # type: ignore[operator]
    narrow = build(curated[list(TIMELINE_COLUMNS)], period=period).to_dict()  # type: ignore[operator]
    assert narrow == whole
