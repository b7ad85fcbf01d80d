"""The timeline page: filtered incidents over time, pursuits as spans, counts per week or month."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from dashboard.app_state import DataVersion, current_view
from dashboard.filters import IncidentFilter
from dashboard.timeline import (
    MAX_TIMELINE_POINTS,
    PERIOD_NAMES,
    Period,
    build_counts_chart,
    build_timeline_chart,
)


@st.cache_resource(max_entries=8, show_spinner=False)
def _charts(
    path: str,
    version: DataVersion,
    incident_filter: IncidentFilter,
    period: Period,
    _frame: pd.DataFrame,
) -> tuple[alt.TopLevelMixin, alt.TopLevelMixin]:
    """The timeline and the counts chart, built once per filter result and period."""
    del path, version, incident_filter  # the cache key, with the period; _frame is what they select
    return build_timeline_chart(_frame, period=period), build_counts_chart(_frame, period=period)


def render() -> None:
    """Draw the timeline page."""
    view = current_view()
    frame = view.filtered
    st.title("Timeline")
    shown, total = len(frame), len(view.incidents)
    if frame.empty:
        st.info(
            f"No incidents match the filters (0 of {total:,}). Widen the date range or clear a "
            "filter in the sidebar.",
            icon="🔍",
        )
        return
    spans = int(frame["end_date"].notna().sum())
    period = st.radio(
        "Counts per",
        list(PERIOD_NAMES),
        format_func=lambda code: PERIOD_NAMES[code],
        horizontal=True,
        key="timeline_period",
    )
    timeline, counts = _charts(str(view.path), view.version, view.incident_filter, period, frame)
    st.altair_chart(timeline, width="stretch")
    caption = (
        f"{shown:,} of {total:,} incidents match the filters. Those with an end date "
        f"(here {spans:,}, such as pursuits) are drawn as a span from start to end. "
        "Hover over a point for the vessel, flag, outcome and date precision."
    )
    if shown > MAX_TIMELINE_POINTS:
        caption += (
            f" The timeline shows the most recent {MAX_TIMELINE_POINTS:,} of them; "
            "the counts below include all of them."
        )
    st.caption(caption)
    st.subheader(f"Incidents per {PERIOD_NAMES[period]}")
    st.altair_chart(counts, width="stretch")
    st.caption(
        f"{shown:,} incidents counted once each, in the {PERIOD_NAMES[period]} they began "
        "(weeks start on Monday), stacked by event type."
    )


render()
