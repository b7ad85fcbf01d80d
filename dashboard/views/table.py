"""The table of filtered incidents, with CSV and GeoJSON downloads of exactly those rows."""

from __future__ import annotations

import streamlit as st

from dashboard.app_state import current_view
from dashboard.export import to_csv_bytes, to_geojson_bytes
from dashboard.presentation import incident_table

COLUMN_CONFIG = {
    "Date": st.column_config.DateColumn(format="YYYY-MM-DD"),
    "End date": st.column_config.DateColumn(format="YYYY-MM-DD"),
    "Source": st.column_config.LinkColumn(help="The first published source"),
    "More sources": st.column_config.ListColumn(),
    "Summary": st.column_config.TextColumn(width="large"),
}


def render() -> None:
    """Draw the table page."""
    view = current_view()
    st.title("Incidents")
    shown, total = len(view.filtered), len(view.incidents)
    st.caption(f"{shown:,} of {total:,} incidents match the filters.")
    st.dataframe(
        incident_table(view.filtered),
        hide_index=True,
        column_config=COLUMN_CONFIG,
        key="incident_table",
    )
    left, right = st.columns(2)
    left.download_button(
        "Download CSV",
        to_csv_bytes(view.filtered),
        file_name="interdictions.csv",
        mime="text/csv",
        on_click="ignore",
        help="Exactly the rows shown; cells that a spreadsheet would run as formulas are defused.",
    )
    right.download_button(
        "Download GeoJSON",
        to_geojson_bytes(view.filtered),
        file_name="interdictions.geojson",
        mime="application/geo+json",
        on_click="ignore",
    )


render()
