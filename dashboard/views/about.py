"""About the data: what it covers, where it comes from, how precise it is, and its limits."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard.app_state import current_view
from dashboard.presentation import escape_markdown
from dashboard.schema import Verification
from dashboard.sharing import render_sharing
from dashboard.tallies import strikes_by_month, strikes_by_sea_area, tally_strikes

TALLY_LABELS = {
    "strikes": "Strikes",
    "vessels_struck": "Boats struck",
    "killed": "Reported killed",
    "survivors": "Reported survivors",
    "killed_not_reported": "Strikes with no reported toll",
}

SOURCE_REGISTER = Path(__file__).resolve().parents[2] / "seeds" / "sources.csv"

ABOUT = """
Interdiction Tracker is a curated, sourced record of interdictions at sea around Venezuela and
the wider Caribbean: seizures of "shadow fleet" tankers, the pursuits before them, boardings and
US strikes on small vessels. Every curated row cites at least one published report, and the
summary is written in our own words. Summaries and notes are data: they stay as written.

**Precision.** No report gave coordinates. Each curated point is placed inside the sea area the
reports name, and is marked *approximate* or *region* (only the sea area is known). The map draws
those points with a dashed uncertainty ring; do not read more into a point than its precision
allows. Dates carry a precision too (day, month, approximate).

**Conflicting reports.** Where sources disagree (a flag, a place, a death toll), the row keeps the
best supported value, says what the others reported in its notes, and names the fields in
dispute, so disputed incidents can be shown and filtered.

**False flags.** A flag marked *false* is one the flag state or the reports said was flown
fraudulently. An MMSI whose first three digits (MID) belong to another state is flagged by the
form as a *possible* false flag, never as a fact.

**Strikes on small vessels.** One row per strike announced by the US government, with the boats,
dead and survivors as announced or reported; nobody independent has confirmed these figures. A
figure no report gave is left empty, never counted as zero. Rows added through the form start
*unverified*.
"""


@st.cache_data
def _source_register(path: str, version: float) -> pd.DataFrame:
    del version
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _render_tallies(incidents: pd.DataFrame) -> None:
    """The strike tallies, summed from the rows (rejected rows left out)."""
    counted = incidents[incidents["verification"].astype(str) != Verification.REJECTED.value]
    tally = tally_strikes(counted)
    st.subheader("Strikes in the record")
    if not tally.strikes:
        st.write("The record holds no strikes.")
        return
    columns = st.columns(4)
    columns[0].metric("Strikes", f"{tally.strikes:,}")
    columns[1].metric("Boats struck", f"{tally.vessels_struck:,}")
    columns[2].metric("Reported killed", f"{tally.killed:,}")
    columns[3].metric("Reported survivors", f"{tally.survivors:,}")
    st.caption(
        f"Summed from the {tally.strikes:,} strike rows, {tally.first:%Y-%m-%d} to "
        f"{tally.last:%Y-%m-%d}; rejected rows are not counted."
        + (
            f" {tally.killed_not_reported:,} strikes have no reported death toll."
            if tally.killed_not_reported
            else ""
        )
    )
    by_month, by_area = st.columns(2)
    by_month.markdown("**By month**")
    by_month.dataframe(_tally_table(strikes_by_month(counted), "Month"), hide_index=True)
    by_area.markdown("**By sea area**")
    by_area.dataframe(_tally_table(strikes_by_sea_area(counted), "Sea area"), hide_index=True)


def _tally_table(table: pd.DataFrame, index_label: str) -> pd.DataFrame:
    return table.reset_index(names=index_label).rename(columns=TALLY_LABELS)


def render() -> None:
    """Draw the about page."""
    view = current_view()
    st.title("About the data")
    st.markdown(ABOUT)
    _render_tallies(view.incidents)
    st.subheader("The file")
    # The name only: the server's directories are nobody's business (issue 10).
    name = escape_markdown(view.path.name)
    st.write(f"Reading `{name}`: {len(view.incidents):,} valid incidents.")
    # Issue 13 (reach): the embed snippet and the feeds, drawn by dashboard/sharing.py.
    render_sharing(view)
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
