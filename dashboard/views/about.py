"""About the data: what it covers, where it comes from, how precise it is, and its limits."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard.app_state import current_view

SOURCE_REGISTER = Path(__file__).resolve().parents[2] / "seeds" / "sources.csv"

ABOUT = """
Interdiction Tracker is a curated, sourced record of interdictions at sea around Venezuela and
the wider Caribbean: seizures of "shadow fleet" tankers, the pursuits before them, boardings and
strikes on small vessels. Every curated row cites at least one published report, and the summary
is written in our own words.

**Precision.** No report gave coordinates. Each curated point is placed inside the sea area the
reports name, and is marked *approximate* or *region* (only the sea area is known). The map draws
those points with a dashed uncertainty ring; do not read more into a point than its precision
allows. Dates carry a precision too (day, month, approximate).

**Conflicting reports.** Where sources disagree (a flag, a place, a cargo), the row keeps the best
supported value and says what the others reported in its notes.

**False flags.** A flag marked *false* is one the flag state or the reports said was flown
fraudulently. An MMSI whose first three digits (MID) belong to another state is flagged by the
form as a *possible* false flag, never as a fact.

**Strikes on small vessels.** Reports give running tallies (for example, by 19 December 2025 at
least 26 strikes and 104 dead), not a list of individual strikes, so the curated record holds no
strike rows rather than invented ones. Rows added through the form start *unverified*.
"""


@st.cache_data
def _source_register(path: str, version: float) -> pd.DataFrame:
    del version
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def render() -> None:
    """Draw the about page."""
    view = current_view()
    st.title("About the data")
    st.markdown(ABOUT)
    st.subheader("The file")
    st.write(f"Reading `{view.path}`: {len(view.incidents):,} valid incidents.")
    if SOURCE_REGISTER.exists():
        st.subheader("Source register")
        st.caption("Every document the curated rows rely on (seeds/sources.csv).")
        register = _source_register(str(SOURCE_REGISTER), SOURCE_REGISTER.stat().st_mtime)
        st.dataframe(
            register,
            hide_index=True,
            column_config={"url": st.column_config.LinkColumn("URL")},
        )


render()
