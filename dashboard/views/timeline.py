"""The timeline page: filtered incidents over time, pursuits as spans, counts per week or month."""

from __future__ import annotations

from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from dashboard.app_state import DataVersion, current_view
from dashboard.context_events import CONTEXT_PATH, context_frame, load_context_events
from dashboard.filters import IncidentFilter
from dashboard.presentation import escape_markdown
from dashboard.sidebar import show_empty_state
from dashboard.tallies import strikes_of
from dashboard.timeline import (
    MAX_TIMELINE_POINTS,
    PERIOD_NAMES,
    Period,
    build_counts_chart,
    build_killed_chart,
    build_timeline_chart,
)


@st.cache_data(show_spinner=False)
def _context(path: str, mtime: float) -> tuple[pd.DataFrame, list[str]]:
    """The context events as chart rows, and each bad line of the file in words."""
    del mtime  # the cache key: an edited file is read again
    events, problems = load_context_events(Path(path))
    return context_frame(events), [str(problem) for problem in problems]


@st.cache_resource(max_entries=8, show_spinner=False)
def _charts(
    path: str,
    version: DataVersion,
    incident_filter: IncidentFilter,
    period: Period,
    show_context: bool,
    _frame: pd.DataFrame,
    _context: pd.DataFrame,
) -> tuple[alt.TopLevelMixin, alt.TopLevelMixin, alt.TopLevelMixin]:
    """The timeline, the counts and the killed charts, built once per filter result and period."""
    del path, version, incident_filter  # the cache key, with the period; _frame is what they select
    return (
        build_timeline_chart(
            _frame, period=period, context=_context if show_context else None
        ),
        build_counts_chart(_frame, period=period),
        build_killed_chart(_frame, period=period),
    )


def render() -> None:
    """Draw the timeline page."""
    view = current_view()
    frame = view.filtered
    st.title("Timeline")
    shown, total = len(frame), len(view.incidents)
    if frame.empty:
        show_empty_state()
        return
    spans = int(frame["end_date"].notna().sum())
    period = st.radio(
        "Counts per",
        list(PERIOD_NAMES),
        format_func=lambda code: PERIOD_NAMES[code],
        horizontal=True,
        key="timeline_period",
    )
    show_context = st.toggle(
        "Show context (blockade, operations, court actions)",
        value=True,
        key="timeline_context",
        help="Dated events that frame the interdictions without being one, from data/context.csv.",
    )
    context, context_problems = _context(
        str(CONTEXT_PATH), CONTEXT_PATH.stat().st_mtime if CONTEXT_PATH.exists() else 0.0
    )
    for problem in context_problems:
        st.warning(f"Context file: {escape_markdown(problem)}", icon=":material/warning:")
    timeline, counts, killed = _charts(
        str(view.path), view.version, view.incident_filter, period, show_context, frame, context
    )
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
    st.subheader(f"People reported killed in strikes per {PERIOD_NAMES[period]}")
    st.altair_chart(killed, width="stretch")
    strikes = strikes_of(frame)
    no_toll = int(strikes["killed"].isna().sum())
    st.caption(
        f"Deaths as announced or reported for the {len(strikes):,} strikes among the filtered "
        "incidents; nobody independent has confirmed them."
        + (f" {no_toll:,} strikes have no reported toll and add nothing here." if no_toll else "")
    )


render()
