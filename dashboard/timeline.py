"""The Altair timeline: incidents as points on a date axis, pursuits as spans, counts per period.

Plain Python (no Streamlit), so the tests read the chart specs directly. Dates go to the charts as
``YYYY-MM-DD`` text on UTC scales: JavaScript reads a bare date as UTC midnight, and a local-time
axis would draw it on the previous day for anyone west of Greenwich (the whole Caribbean).

Large frames: Altair refuses to inline more than 5,000 rows, and a browser slows down well before
that. The counts chart is therefore aggregated in pandas (one row per period and event type), and
the point chart shows at most ``MAX_TIMELINE_POINTS`` incidents, the most recent ones; the page
says so in a caption, and the counts beneath it always include every filtered incident.
"""

from __future__ import annotations

import heapq
from typing import Literal

import altair as alt
import numpy as np
import pandas as pd

from dashboard.colours import event_colour_scale
from dashboard.i18n import N_, _, format_date, vocabulary_label
from dashboard.presentation import flag_with_mark, shown_vessel_label
from dashboard.schema import VOCABULARIES, EventType

Period = Literal["W", "M"]
PERIOD_NAMES: dict[str, str] = {"W": N_("week"), "M": N_("month")}
MAX_TIMELINE_POINTS = 2_000
# The only columns the charts read: the page copies these out of the filtered incidents, not
# whole rows (whose sources and summaries are most of the frame's memory).
TIMELINE_COLUMNS = (
    "id",
    "date",
    "end_date",
    "date_precision",
    "event_type",
    "vessel_name",
    "imo",
    "flag",
    "false_flag",
    "outcome",
    "killed",
)
# More incidents than this on one day of one event type share lanes again (bounded chart height).
MAX_LANES = 8
EMPTY_MESSAGE = N_("No incidents match the filters")
LANE_HEIGHT = 22
# Both charts reserve the same width for their y axis, so their date axes line up on the page.
Y_AXIS_WIDTH = 80
_DATE_FORMAT = "%Y-%m-%d"
# Streamlit otherwise fits the whole chart, legend and axes included, into the given height,
# squeezing the plot itself to a sliver; "fit-x" fills the width and keeps the plot's height.
AUTOSIZE = alt.AutoSizeParams(type="fit-x", contains="padding")
# Dark grey: context is not an event type, and must read on white at WCAG AA contrast.
CONTEXT_COLOUR = "#4d4d4d"
KILLED_COLOUR = "#7a1f1f"


def timeline_rows(frame: pd.DataFrame, *, limit: int = MAX_TIMELINE_POINTS) -> pd.DataFrame:
    """The rows the point chart draws: the ``limit`` most recent incidents, oldest first."""
    # Ordered by the last day alone, then only the kept rows are taken: sorting the whole
    # frame would copy every column of every incident (hundreds of megabytes at 100,000).
    last_day = frame["end_date"].fillna(frame["date"]).to_numpy(dtype="datetime64[ns]")
    newest_first = np.argsort(-last_day.astype("int64"), kind="stable")[:limit]
    recent = frame.iloc[newest_first]
    return recent.sort_values(["date", "end_date", "id"], kind="stable")


def timeline_data(frame: pd.DataFrame) -> pd.DataFrame:
    """One JSON-safe row per incident of ``frame``: the fields the timeline draws and shows."""
    labels = {member.value: vocabulary_label(member) for member in EventType}
    outcome_labels = {member.value: vocabulary_label(member) for member in VOCABULARIES["outcome"]}
    precision_labels = {
        member.value: vocabulary_label(member) for member in VOCABULARIES["date_precision"]
    }
    start = frame["date"].dt.strftime(_DATE_FORMAT)
    end = frame["end_date"].dt.strftime(_DATE_FORMAT)
    data = pd.DataFrame(
        {
            "id": frame["id"].astype(str),
            "vessel": [
                shown_vessel_label(name)
                if pd.isna(imo)
                else f"{shown_vessel_label(name)} (IMO {imo})"
                for name, imo in zip(frame["vessel_name"], frame["imo"], strict=True)
            ],
            "flag": [
                flag_with_mark(None if pd.isna(flag) else flag, str(false_flag))
                for flag, false_flag in zip(frame["flag"], frame["false_flag"], strict=True)
            ],
            "event": frame["event_type"].astype(str).map(labels),
            "outcome": frame["outcome"].astype(str).map(outcome_labels),
            "start": start,
            "end": end,
            "dates": [
                first if pd.isna(last) else _("{start} to {end}").format(start=first, end=last)
                for first, last in zip(start, end, strict=True)
            ],
            "precision": frame["date_precision"].astype(str).map(precision_labels),
        },
    )
    data["lane"] = _lanes(data)
    # Object columns with None, not pandas' NA: the spec must be plain JSON.
    return data.astype(object).where(data.notna(), None).reset_index(drop=True)


def _lanes(data: pd.DataFrame) -> list[int]:
    """A lane per row so that incidents of one event type overlapping in time do not overlap."""
    starts = data["start"].tolist()
    ends = [start if pd.isna(end) else end for start, end in zip(starts, data["end"], strict=True)]
    events = data["event"].tolist()
    lanes = [0] * len(data)
    ends_by_event: dict[str, list[tuple[str, int]]] = {}
    ids = data["id"].tolist()
    for position in sorted(range(len(data)), key=lambda i: (starts[i], ids[i])):
        busy = ends_by_event.setdefault(events[position], [])
        # ISO dates compare correctly as text; a lane is free once its last incident ended.
        if busy and busy[0][0] < starts[position]:
            _, lane = heapq.heapreplace(busy, (ends[position], busy[0][1]))
        else:
            lane = len(busy)
            heapq.heappush(busy, (ends[position], lane))
        lanes[position] = lane % MAX_LANES
    return lanes


def _date_domain(starts: pd.Series, ends: pd.Series, period: Period) -> list[str]:
    """The x domain: from the start of the first period to the end of the last one."""
    first = starts.min().to_period(period).start_time
    last = (ends.max().to_period(period) + 1).start_time
    return [first.strftime(_DATE_FORMAT), last.strftime(_DATE_FORMAT)]


def _x_encoding(field: str, domain: list[str]) -> alt.X:
    return alt.X(
        f"{field}:T",
        title=None,
        scale=alt.Scale(type="utc", domain=domain),
        axis=alt.Axis(format="%d %b %Y", labelOverlap=True),
    )


def _count_axis() -> alt.Axis:
    """A y axis of whole counts, as wide as the timeline's so the date axes line up."""
    return alt.Axis(tickMinStep=1, format="d", minExtent=Y_AXIS_WIDTH, maxExtent=Y_AXIS_WIDTH)


def _colour() -> alt.Color:
    domain, colours = event_colour_scale()
    return alt.Color(
        "event:N",
        title=_("Event"),
        scale=alt.Scale(domain=domain, range=colours),
        legend=alt.Legend(orient="top"),
    )


def empty_chart(message: str = EMPTY_MESSAGE) -> alt.Chart:
    """A chart holding only ``message`` (translated), for a filter that leaves no incident."""
    return (
        alt.Chart(pd.DataFrame({"message": [_(message)]}))
        .mark_text(fontSize=14, color="#555555")
        .encode(text="message:N")
        .properties(height=80, autosize=AUTOSIZE)
    )


def _context_layers(context: pd.DataFrame, domain: list[str]) -> list[alt.Chart]:
    """Labelled vertical rules for the context events that fall inside the date domain."""
    if context.empty:
        return []
    inside = context[(context["date"] >= domain[0]) & (context["date"] < domain[1])]
    if inside.empty:
        return []
    base = alt.Chart(inside).encode(
        x=_x_encoding("date", domain),
        tooltip=[
            alt.Tooltip("date:N", title=_("Date")),
            alt.Tooltip("label:N", title=_("Context")),
            alt.Tooltip("summary:N", title=_("What happened")),
            alt.Tooltip("source:N", title=_("Source")),
        ],
    )
    rules = base.mark_rule(color=CONTEXT_COLOUR, strokeDash=[4, 3], strokeWidth=1.5)
    labels = base.mark_text(
        align="left", baseline="top", dx=3, dy=2, angle=0, color=CONTEXT_COLOUR, fontSize=11
    ).encode(text="label:N", y=alt.value(0))
    return [rules, labels]


def build_timeline_chart(
    frame: pd.DataFrame,
    *,
    period: Period = "M",
    limit: int = MAX_TIMELINE_POINTS,
    context: pd.DataFrame | None = None,
) -> alt.LayerChart | alt.Chart:
    """The timeline of ``frame``: a point per incident, a span per pursuit, coloured by event,
    with ``context`` events (from context_frame) as labelled rules when given."""
    if frame.empty:
        return empty_chart()
    rows = timeline_rows(frame, limit=limit)
    data = timeline_data(rows)
    domain = _date_domain(rows["date"], rows["end_date"].fillna(rows["date"]), period)
    events = [label for label in event_colour_scale()[0] if label in set(data["event"])]
    lanes = int(data["lane"].max()) + 1
    tooltip = [
        alt.Tooltip("vessel:N", title=_("Vessel")),
        alt.Tooltip("flag:N", title=_("Flag")),
        alt.Tooltip("event:N", title=_("Event")),
        alt.Tooltip("outcome:N", title=_("Outcome")),
        alt.Tooltip("dates:N", title=_("Date")),
        alt.Tooltip("precision:N", title=_("Date precision")),
        alt.Tooltip("id:N", title=_("ID")),
    ]
    base = alt.Chart(data).encode(
        y=alt.Y(
            "event:N",
            title=None,
            scale=alt.Scale(domain=events),
            axis=alt.Axis(minExtent=Y_AXIS_WIDTH, maxExtent=Y_AXIS_WIDTH),
        ),
        yOffset=alt.YOffset("lane:O", scale=alt.Scale(domain=list(range(lanes)))),
        color=_colour(),
        tooltip=tooltip,
    )
    spans = (
        base.transform_filter("isValid(datum.end)")
        .mark_rule(strokeWidth=5, strokeCap="round", opacity=0.7)
        .encode(x=_x_encoding("start", domain), x2="end:T")
    )
    points = base.mark_circle(size=90, opacity=0.9, stroke="white", strokeWidth=1).encode(
        x=_x_encoding("start", domain)
    )
    height = max(60, len(events) * max(lanes, 2) * LANE_HEIGHT)
    layers = [spans, points]
    if context is not None:
        layers.extend(_context_layers(context, domain))
    return alt.layer(*layers).properties(height=height, autosize=AUTOSIZE)


def count_by_period(frame: pd.DataFrame, period: Period = "W") -> pd.DataFrame:
    """Incidents per period (by start date) and event type, stacked in schema order."""
    columns = ["period_start", "period_end", "period", "event", "count", "y0", "y1", "total"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    periods = frame["date"].dt.to_period(period)
    labels = {member.value: vocabulary_label(member) for member in EventType}
    event = pd.Categorical(
        frame["event_type"].astype(str).map(labels),
        categories=list(labels.values()),
    )
    counts = (
        pd.DataFrame({"period": periods, "event": event})
        .groupby(["period", "event"], observed=True)
        .size()
        .rename("count")
        .reset_index()
        .sort_values(["period", "event"], kind="stable")
    )
    counts["y1"] = counts.groupby("period", observed=True)["count"].cumsum()
    counts["y0"] = counts["y1"] - counts["count"]
    counts["total"] = counts.groupby("period", observed=True)["count"].transform("sum")
    starts = counts["period"].map(lambda p: p.start_time)
    counts["period_start"] = starts.dt.strftime(_DATE_FORMAT)
    counts["period_end"] = counts["period"].map(lambda p: (p + 1).start_time.strftime(_DATE_FORMAT))
    counts["period"] = _period_names(starts, period)
    counts["event"] = counts["event"].astype(str)
    for column in ("count", "y0", "y1", "total"):
        counts[column] = counts[column].astype(int)
    return counts[columns].reset_index(drop=True)


def _period_names(starts: pd.Series, period: Period) -> list[str]:
    """Each period as people read it: "week of 2025-12-08", "December 2025" (or in Spanish)."""
    if period == "W":
        return [_("week of {date}").format(date=start.strftime(_DATE_FORMAT)) for start in starts]
    return [format_date(start.date(), format="LLLL y") for start in starts]


def build_counts_chart(frame: pd.DataFrame, period: Period = "W") -> alt.Chart:
    """Stacked bars of incidents per week or month (by start date), coloured by event type."""
    if period not in PERIOD_NAMES:
        raise ValueError(f"period must be 'W' (week) or 'M' (month), not {period!r}")
    if frame.empty:
        return empty_chart()
    counts = count_by_period(frame, period)
    last_day = frame["end_date"].fillna(frame["date"])
    domain = _date_domain(frame["date"], last_day, period)
    return (
        alt.Chart(counts)
        .mark_rect(stroke="white", strokeWidth=1)
        .encode(
            x=_x_encoding("period_start", domain),
            x2="period_end:T",
            y=alt.Y(
                "y0:Q",
                # No axis title: it would widen this chart's left margin past the timeline's.
                title=None,
                axis=_count_axis(),
            ),
            y2="y1:Q",
            color=_colour(),
            tooltip=[
                alt.Tooltip("period:N", title=_("Period")),
                alt.Tooltip("event:N", title=_("Event")),
                alt.Tooltip("count:Q", title=_("Incidents")),
                alt.Tooltip("total:Q", title=_("All events")),
            ],
        )
        .properties(height=160, autosize=AUTOSIZE)
    )


def killed_by_period(frame: pd.DataFrame, period: Period = "W") -> pd.DataFrame:
    """People reported killed per period (by incident date), with the strikes behind them."""
    columns = ["period_start", "period_end", "period", "killed", "strikes", "no_toll"]
    struck = frame[frame["event_type"].astype(str) == EventType.STRIKE.value]
    if struck.empty:
        return pd.DataFrame(columns=columns)
    killed = pd.to_numeric(struck["killed"], errors="coerce")
    table = (
        pd.DataFrame({"period": struck["date"].dt.to_period(period), "killed": killed})
        .groupby("period", observed=True)
        .agg(
            killed=("killed", "sum"),
            strikes=("killed", "size"),
            no_toll=("killed", lambda values: int(values.isna().sum())),
        )
        .reset_index()
    )
    starts = table["period"].map(lambda p: p.start_time)
    table["period_start"] = starts.dt.strftime(_DATE_FORMAT)
    table["period_end"] = table["period"].map(lambda p: (p + 1).start_time.strftime(_DATE_FORMAT))
    table["period"] = _period_names(starts, period)
    for column in ("killed", "strikes", "no_toll"):
        table[column] = table[column].astype(int)
    return table[columns].reset_index(drop=True)


def build_killed_chart(frame: pd.DataFrame, period: Period = "W") -> alt.Chart:
    """Bars of people reported killed in strikes per week or month."""
    killed = killed_by_period(frame, period)
    if killed.empty:
        return empty_chart(N_("No strikes match the filters"))
    domain = _date_domain(frame["date"], frame["end_date"].fillna(frame["date"]), period)
    return (
        alt.Chart(killed)
        .mark_rect(color=KILLED_COLOUR, stroke="white", strokeWidth=1)
        .encode(
            x=_x_encoding("period_start", domain),
            x2="period_end:T",
            y=alt.Y(
                "killed:Q",
                title=None,
                axis=_count_axis(),
            ),
            tooltip=[
                alt.Tooltip("period:N", title=_("Period")),
                alt.Tooltip("killed:Q", title=_("Reported killed")),
                alt.Tooltip("strikes:Q", title=_("Strikes")),
                alt.Tooltip("no_toll:Q", title=_("Strikes with no reported toll")),
            ],
        )
        .properties(height=140, autosize=AUTOSIZE)
    )
