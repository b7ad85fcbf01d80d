"""The map page: the filtered incidents on a Folium map, with the clicked incident beside it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.app_state import DataVersion, current_view, release_freed_memory
from dashboard.filters import IncidentFilter
from dashboard.map_component import MapPayload, render_map_payload, show_map
from dashboard.map_view import (
    DETAIL_LIMIT,
    build_incident_map,
    incidents_at,
    online_tiles_enabled,
)
from dashboard.presentation import escape_markdown, flag_with_mark, vessel_label
from dashboard.schema import EventType, LocationPrecision, Outcome

MAP_KEY = "incident_map"


@st.cache_resource(max_entries=16, show_spinner="Drawing the map…")
def _cached_map(
    path: str,
    version: DataVersion,
    incident_filter: IncidentFilter,
    online_tiles: bool,
    _frame: pd.DataFrame,
) -> MapPayload:
    """The map for one filter over one version of the data, built and rendered once."""
    # Rendered here, once: a rerun (a click, a page switch) only hands the text on.
    del path, version, incident_filter  # the cache key; _frame is what they select
    payload = render_map_payload(build_incident_map(_frame, online_tiles=online_tiles), key=MAP_KEY)
    release_freed_memory()  # the map's elements, freed now that only its text is kept
    return payload


def _render_details(incidents: pd.DataFrame) -> None:
    """The clicked incident(s) in words; data values escaped so markdown cannot run from them."""
    for incident in incidents.sort_values("date").to_dict("records"):
        flag = flag_with_mark(
            None if pd.isna(incident["flag"]) else incident["flag"], incident["false_flag"]
        )
        name = escape_markdown(vessel_label(incident["vessel_name"]))
        st.markdown(f"**{name}** · `{incident['id']}`")
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
    shown = len(view.filtered)
    caption = f"{shown:,} of {len(view.incidents):,} incidents match the filters. "
    if shown <= DETAIL_LIMIT:
        caption += (
            "Dashed rings mark approximate locations; dashed lines join one vessel's incidents."
        )
    else:
        caption += (
            f"Above {DETAIL_LIMIT:,} incidents the markers are plain dots, without rings, lines "
            "or popups: click one for its details, or filter to fewer to see them all."
        )
    st.caption(caption)
    map_column, details_column = st.columns([3, 1])
    with map_column:
        payload = _cached_map(
            str(view.path),
            view.version,
            view.incident_filter,
            online_tiles_enabled(),
            view.filtered,
        )
        # Only clicks come back: panning and zooming must not rerun the script.
        state = show_map(payload, key=MAP_KEY, height=620, returned_objects=["last_object_clicked"])
    with details_column:
        clicked = (state or {}).get("last_object_clicked")
        selected = incidents_at(view.filtered, clicked["lat"], clicked["lng"]) if clicked else None
        if selected is None or selected.empty:
            st.info("Click a marker to see the incident here.")
        else:
            _render_details(selected)


render()
