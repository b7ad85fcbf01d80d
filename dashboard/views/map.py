"""The map page: the filtered incidents on a Folium map, with the clicked incident beside it."""

from __future__ import annotations

import copy
import os

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from dashboard.app_state import DataVersion, current_view
from dashboard.filters import IncidentFilter
from dashboard.map_view import build_incident_map, incidents_at
from dashboard.presentation import escape_markdown, flag_with_mark
from dashboard.schema import EventType, LocationPrecision, Outcome

# Set to "off" where the map must not even try to reach a tile server (air-gapped rooms).
TILES_ENV = "INTERDICTION_TRACKER_TILES"
MAP_KEY = "incident_map"


def online_tiles_enabled() -> bool:
    """Whether to offer the online street-map tiles (on unless the environment says off)."""
    return os.environ.get(TILES_ENV, "on").strip().lower() not in {"off", "0", "false", "no"}


@st.cache_resource(max_entries=16, show_spinner="Drawing the map…")
def _cached_map(
    version: DataVersion, incident_filter: IncidentFilter, online_tiles: bool, _frame: pd.DataFrame
) -> folium.Map:
    """The map for one filter over one version of the data, built once and reused on reruns."""
    del version, incident_filter  # the cache key; _frame is what they select
    return build_incident_map(_frame, online_tiles=online_tiles)


def _render_details(incidents: pd.DataFrame) -> None:
    """The clicked incident(s) in words; data values escaped so markdown cannot run from them."""
    for incident in incidents.sort_values("date").to_dict("records"):
        flag = flag_with_mark(
            None if pd.isna(incident["flag"]) else incident["flag"], incident["false_flag"]
        )
        st.markdown(f"**{escape_markdown(incident['vessel_name'])}** · `{incident['id']}`")
        lines = [
            f"{EventType(incident['event_type']).label}, {incident['date'].date()}"
            + ("" if pd.isna(incident["end_date"]) else f" to {incident['end_date'].date()}"),
            f"Flag: {flag}",
            f"Outcome: {Outcome(incident['outcome']).label}",
            f"Agency: {incident['agency']}",
            f"Where: {incident['place']} "
            f"({LocationPrecision(incident['location_precision']).label})",
        ]
        if not pd.isna(incident["imo"]):
            lines.insert(1, f"IMO {incident['imo']}")
        st.markdown("  \n".join(escape_markdown(line) for line in lines))
        st.markdown(escape_markdown(incident["summary"]))
        for source in incident["sources"]:
            st.link_button(source.get("outlet") or "Source", source["url"])
        st.divider()


def render() -> None:
    """Draw the map page."""
    view = current_view()
    st.title("Interdictions at sea")
    st.caption(
        f"{len(view.filtered):,} of {len(view.incidents):,} incidents match the filters. "
        "Dashed rings mark approximate locations; dashed lines join one vessel's incidents."
    )
    map_column, details_column = st.columns([3, 1])
    with map_column:
        # st_folium renames the elements of the map it is given, so it gets a fresh copy.
        incident_map = copy.deepcopy(
            _cached_map(view.version, view.incident_filter, online_tiles_enabled(), view.filtered)
        )
        # Only clicks come back: panning and zooming must not rerun the script.
        state = st_folium(
            incident_map,
            key=MAP_KEY,
            height=620,
            use_container_width=True,
            returned_objects=["last_object_clicked"],
        )
    with details_column:
        clicked = (state or {}).get("last_object_clicked")
        selected = incidents_at(view.filtered, clicked["lat"], clicked["lng"]) if clicked else None
        if selected is None or selected.empty:
            st.info("Click a marker to see the incident here.")
        else:
            _render_details(selected)


render()
