"""The map alone, for an article's <iframe>: no sidebar, no form, filters from the URL."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.app_state import DataVersion, current_view, page_base_url
from dashboard.embed import EMBED_HEIGHT, dashboard_url, data_date
from dashboard.filters import IncidentFilter
from dashboard.i18n import _, current_language, format_date, format_number, language_query
from dashboard.map_component import MapPayload, render_map_payload, show_map
from dashboard.map_view import build_incident_map, columns_drawn, online_tiles_enabled
from dashboard.memory import release_freed_memory

MAP_KEY = "embed_map"


@st.cache_resource(max_entries=16, show_spinner=False)
def _cached_map(
    path: str,
    version: DataVersion,
    incident_filter: IncidentFilter,
    online_tiles: bool,
    language: str,
    _frame: pd.DataFrame,
) -> MapPayload:
    """The embed's map for one filter over one version of the data, built once."""
    # The cache key, with the language of the popups and legend; _frame is what they select.
    del path, version, incident_filter, language
    payload = render_map_payload(build_incident_map(_frame, online_tiles=online_tiles), key=MAP_KEY)
    release_freed_memory()
    return payload


def render() -> None:
    """Draw the embed: the map and a caption naming the source and the date of the data."""
    view = current_view()
    with st.spinner(_("Drawing the map…")):
        payload = _cached_map(
            str(view.path),
            view.version,
            view.incident_filter,
            online_tiles_enabled(),
            current_language(),
            view.filtered_columns(columns_drawn(view.shown)),
        )
    # Nothing comes back: the embed is read-only, and a click must not rerun the script.
    show_map(payload, key=MAP_KEY, height=EMBED_HEIGHT, returned_objects=[])
    link = dashboard_url(page_base_url(), view.incident_filter, **language_query())
    as_of = data_date(view.incidents)
    parts = [
        _(
            "Source: [Interdiction Tracker]({link}), a sourced record of interdictions at sea."
        ).format(link=link)
    ]
    if as_of is not None:
        parts.append(_("Data as of {date}.").format(date=format_date(as_of)))
    parts.append(
        _(
            "{shown} of {total} incidents shown; locations are approximate where the reports "
            "give no position."
        ).format(shown=format_number(view.shown), total=format_number(len(view.incidents)))
    )
    st.caption(" ".join(parts))


render()
