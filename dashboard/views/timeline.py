"""The timeline page: filtered incidents over time, pursuits as spans, counts per week or month."""

from __future__ import annotations

from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from dashboard.app_state import DataVersion, current_view
from dashboard.context_events import CONTEXT_PATH, context_frame, load_context_events
from dashboard.filters import IncidentFilter
from dashboard.i18n import N_, _, current_language, format_number
from dashboard.presentation import escape_markdown
from dashboard.sidebar import show_empty_state
from dashboard.tallies import strikes_of
from dashboard.timeline import (
    MAX_TIMELINE_POINTS,
    PERIOD_NAMES,
    TIMELINE_COLUMNS,
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
    language: str,
    _frame: pd.DataFrame,
    _context: pd.DataFrame,
) -> tuple[alt.TopLevelMixin, alt.TopLevelMixin, alt.TopLevelMixin]:
    """The timeline, the counts and the killed charts, built once per filter result and period."""
    # The cache key, with the period and the language the charts' words are in; _frame is
    # what they select.
    del path, version, incident_filter, language
    return (
        build_timeline_chart(_frame, period=period, context=_context if show_context else None),
        build_counts_chart(_frame, period=period),
        build_killed_chart(_frame, period=period),
    )


# What the page says per period: whole phrases, because the words around "week" and "month"
# change with them in Spanish.
_PER_PERIOD = {
    "W": (N_("Incidents per week"), N_("People reported killed in strikes per week")),
    "M": (N_("Incidents per month"), N_("People reported killed in strikes per month")),
}
_COUNTED_IN = {
    "W": N_(
        "{shown} incidents counted once each, in the week they began (weeks start on Monday), "
        "stacked by event type."
    ),
    "M": N_("{shown} incidents counted once each, in the month they began, stacked by event type."),
}


def render() -> None:
    """Draw the timeline page."""
    view = current_view()
    frame = view.filtered_columns(TIMELINE_COLUMNS)
    st.title(_("Timeline"))
    shown, total = len(frame), len(view.incidents)
    if frame.empty:
        show_empty_state()
        return
    spans = int(frame["end_date"].notna().sum())
    period = st.radio(
        _("Counts per"),
        list(PERIOD_NAMES),
        format_func=lambda code: _(PERIOD_NAMES[code]),
        horizontal=True,
        key="timeline_period",
    )
    show_context = st.toggle(
        _("Show context (blockade, operations, court actions)"),
        value=True,
        key="timeline_context",
        help=_(
            "Dated events that frame the interdictions without being one, from data/context.csv."
        ),
    )
    context, context_problems = _context(
        str(CONTEXT_PATH), CONTEXT_PATH.stat().st_mtime if CONTEXT_PATH.exists() else 0.0
    )
    for problem in context_problems:
        st.warning(
            _("Context file: {problem}").format(problem=escape_markdown(problem)),
            icon=":material/warning:",
        )
    timeline, counts, killed = _charts(
        str(view.path),
        view.version,
        view.incident_filter,
        period,
        show_context,
        current_language(),
        frame,
        context,
    )
    st.altair_chart(timeline, width="stretch")
    caption = _(
        "{shown} of {total} incidents match the filters. Those with an end date (here {spans}, "
        "such as pursuits) are drawn as a span from start to end. Hover over a point for the "
        "vessel, flag, outcome and date precision."
    ).format(shown=format_number(shown), total=format_number(total), spans=format_number(spans))
    if shown > MAX_TIMELINE_POINTS:
        caption += " " + _(
            "The timeline shows the most recent {limit} of them; the counts below include all "
            "of them."
        ).format(limit=format_number(MAX_TIMELINE_POINTS))
    st.caption(caption)
    per_period, killed_per_period = _PER_PERIOD[period]
    st.subheader(_(per_period))
    st.altair_chart(counts, width="stretch")
    st.caption(_(_COUNTED_IN[period]).format(shown=format_number(shown)))
    st.subheader(_(killed_per_period))
    st.altair_chart(killed, width="stretch")
    strikes = strikes_of(frame)
    no_toll = int(strikes["killed"].isna().sum())
    caption = _(
        "Deaths as announced or reported for the {strikes} strikes among the filtered "
        "incidents; nobody independent has confirmed them."
    ).format(strikes=format_number(len(strikes)))
    if no_toll:
        caption += " " + _("{count} strikes have no reported toll and add nothing here.").format(
            count=format_number(no_toll)
        )
    st.caption(caption)


render()
