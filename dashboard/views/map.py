"""The map page: the filtered incidents on a Folium map, with the clicked incident beside it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.app_state import DataVersion, current_view
from dashboard.filters import IncidentFilter
from dashboard.i18n import _, current_language, format_number
from dashboard.incident_details import INCIDENT_PARAM, render_incident_details
from dashboard.map_component import MapPayload, render_map_payload, show_map
from dashboard.map_view import (
    DETAIL_LIMIT,
    build_incident_map,
    columns_drawn,
    incidents_at,
    online_tiles_enabled,
)
from dashboard.memory import release_freed_memory
from dashboard.presentation import escape_markdown
from dashboard.sidebar import show_empty_state

MAP_KEY = "incident_map"
# The incident a permalink opened this session on. Kept apart from the URL, which each click
# rewrites: a click must not rebuild (and so reset) the map it was made on.
_OPENED_ON_KEY = "_map_opened_on_incident"


@st.cache_resource(max_entries=16, show_spinner=False)
def _cached_map(
    path: str,
    version: DataVersion,
    incident_filter: IncidentFilter,
    online_tiles: bool,
    focus_id: str | None,
    language: str,
    _frame: pd.DataFrame,
) -> MapPayload:
    """The map for one filter over one version of the data, built and rendered once."""
    # Rendered here, once: a rerun (a click, a page switch) only hands the text on.
    # The cache key, with the language of the popups, legend and controls; _frame is what the
    # path, version and filter select, built in the current language (which `language` names).
    del path, version, incident_filter, language
    incident_map = build_incident_map(_frame, online_tiles=online_tiles, focus_id=focus_id)
    payload = render_map_payload(incident_map, key=MAP_KEY)
    release_freed_memory()  # the map's elements, freed now that only its text is kept
    return payload


def _requested_incident() -> str | None:
    """The incident a permalink (?incident=INC-0007) asks for, if any."""
    value = st.query_params.get(INCIDENT_PARAM)
    return value.strip().upper() if value and value.strip() else None


def _opened_on(requested: str | None) -> str | None:
    """The permalink's incident as it was when this session first drew the map."""
    if _OPENED_ON_KEY not in st.session_state:
        st.session_state[_OPENED_ON_KEY] = requested
    return st.session_state[_OPENED_ON_KEY]


def render() -> None:
    """Draw the map page."""
    view = current_view()
    st.title(_("Interdictions at sea"))
    shown = view.shown
    caption = _("{shown} of {total} incidents match the filters.").format(
        shown=format_number(shown), total=format_number(len(view.incidents))
    )
    if shown <= DETAIL_LIMIT:
        caption += " " + _(
            "Hollow markers are unverified; dashed rings mark approximate locations; dashed "
            "lines join one vessel's incidents."
        )
    else:
        caption += " " + _(
            "Above {limit} incidents the markers are plain dots, without rings, lines "
            "or popups: click one for its details, or filter to fewer to see them all."
        ).format(limit=format_number(DETAIL_LIMIT))
    st.caption(caption)
    if not shown:
        show_empty_state()
    requested = _requested_incident()
    opened_on = _opened_on(requested)
    # Above DETAIL_LIMIT the map reads only a few columns: the rest are not copied out.
    drawn = view.filtered_columns(columns_drawn(shown))
    focus_id = opened_on if opened_on and drawn["id"].eq(opened_on).any() else None
    map_column, details_column = st.columns([3, 1])
    with map_column:
        with st.spinner(_("Drawing the map…")):
            payload = _cached_map(
                str(view.path),
                view.version,
                view.incident_filter,
                online_tiles_enabled(),
                focus_id,
                current_language(),
                drawn,
            )
        # Only clicks come back: panning and zooming must not rerun the script.
        state = show_map(payload, key=MAP_KEY, height=620, returned_objects=["last_object_clicked"])
    with details_column:
        clicked = (state or {}).get("last_object_clicked")
        near = incidents_at(drawn, clicked["lat"], clicked["lng"]) if clicked else None
        selected = None if near is None else view.incidents.loc[near.index]
        if (selected is None or selected.empty) and requested:
            selected = view.incidents[view.incidents["id"] == requested]
            if selected.empty:
                st.warning(_("There is no incident {id}.").format(id=escape_markdown(requested)))
            elif focus_id is None:
                st.info(_("The filters hide this incident from the map; its details are below."))
        if selected is None or selected.empty:
            st.info(_("Click a marker (or focus it and press Enter) to see the incident here."))
            return
        if len(selected) == 1 and clicked:
            # The address bar now holds this incident's permalink, as the filters' do.
            st.query_params[INCIDENT_PARAM] = str(selected["id"].iloc[0])
        for incident in selected.sort_values("date").to_dict("records"):
            render_incident_details(incident)
            st.divider()


render()
