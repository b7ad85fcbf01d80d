"""The vessels and flags page: one vessel's incidents through its names and flags; flag counts."""

from __future__ import annotations

import string
from collections.abc import Iterable

import pandas as pd
import streamlit as st

from dashboard.app_state import DataVersion, current_view
from dashboard.filters import IncidentFilter
from dashboard.presentation import incident_table
from dashboard.sidebar import show_empty_state
from dashboard.vessel_views import (
    build_flag_chart,
    flag_counts,
    vessel_choices,
    vessel_history,
    vessel_keys,
    vessel_sources,
)

HISTORY_COLUMNS = (
    "Vessel",
    "Date",
    "End date",
    "Date precision",
    "Event",
    "Verification",
    "Former names",
    "IMO",
    "Flag",
    "Sanctions",
    "Linked to",
    "Outcome",
    "Place",
    "Location precision",
    "Notes",
    "Sources",
    "Source link",
    "ID",
)
HISTORY_CONFIG = {
    "Date": st.column_config.DateColumn(format="YYYY-MM-DD"),
    "End date": st.column_config.DateColumn(format="YYYY-MM-DD"),
    "Vessel": st.column_config.TextColumn(help="The name the vessel sailed under at the time"),
    "Flag": st.column_config.TextColumn(help="The flag flown or claimed at the time"),
    "Sources": st.column_config.TextColumn(help="Every outlet that reported it"),
    "Source link": st.column_config.LinkColumn(help="The first published source"),
    "Notes": st.column_config.TextColumn(
        width="large", help="Where reports conflict or are uncertain"
    ),
}
# A vessel's own link: ?imo=9230880, or ?vessel=name:olina for a vessel without an IMO.
IMO_PARAM = "imo"
VESSEL_PARAM = "vessel"
_CHOICE_KEY = "vessel_choice"
_LINKED_KEY = "_vessel_choice_from_link"
SOURCE_CONFIG = {
    "id": st.column_config.TextColumn("Incident"),
    "date": st.column_config.DateColumn("Incident date", format="YYYY-MM-DD"),
    "outlet": st.column_config.TextColumn("Outlet"),
    "title": st.column_config.TextColumn("Title", width="large"),
    "published": st.column_config.DateColumn("Published", format="YYYY-MM-DD"),
    "url": st.column_config.LinkColumn("Link"),
}
FLAG_CONFIG = {
    "label": st.column_config.TextColumn("Flag state"),
    "incidents": st.column_config.NumberColumn("Incidents", format="%d"),
    "false_flags": st.column_config.NumberColumn(
        "False flags", format="%d", help="Flown fraudulently, as the flag state or reports said"
    ),
    "disputed": st.column_config.NumberColumn(
        "Disputed or unverified", format="%d", help="Reports conflict or nobody has checked"
    ),
    "false_share": st.column_config.NumberColumn("Share false", format="percent"),
}
_MARKDOWN_SPECIAL = str.maketrans({char: "\\" + char for char in string.punctuation})


def escape_markdown(text: object) -> str:
    """``text`` with every ASCII punctuation mark backslash-escaped, so markdown shows it as is."""
    # CommonMark lets any ASCII punctuation be escaped; that also disarms Streamlit's own
    # directives (":red[...]", "$...$") and links in names or registries taken from the file.
    return str(text).translate(_MARKDOWN_SPECIAL)


def _distinct(values: Iterable[object]) -> list[str]:
    """The different non-empty values, as text, in first-seen order."""
    return list(dict.fromkeys(str(value) for value in values if not pd.isna(value) and str(value)))


def _fact_lines(facts: dict[str, list[str]]) -> str:
    """A markdown list of the facts, every value escaped; several values become a sub-list."""
    lines = []
    for name, values in facts.items():
        if len(values) <= 1:
            lines.append(
                f"- **{name}:** {escape_markdown(values[0] if values else 'none recorded')}"
            )
        else:
            lines.append(f"- **{name}:**")
            lines.extend(f"    - {escape_markdown(value)}" for value in values)
    return "\n".join(lines)


@st.cache_resource(max_entries=4, show_spinner="Finding the vessels…")
def _vessels(
    path: str, version: DataVersion, incident_filter: IncidentFilter, _frame: pd.DataFrame
) -> tuple[pd.Series, dict[str, str]]:
    """Each filtered incident's vessel key and every vessel's label, once per filter result."""
    del path, version, incident_filter  # the cache key; _frame is what they select
    keys = vessel_keys(_frame)
    return keys, dict(vessel_choices(_frame, keys=keys))


@st.cache_resource(max_entries=4, show_spinner=False)
def _flag_counts(
    path: str, version: DataVersion, incident_filter: IncidentFilter, _frame: pd.DataFrame
) -> pd.DataFrame:
    """Incidents per flag state, once per filter result."""
    del path, version, incident_filter  # the cache key; _frame is what they select
    return flag_counts(_frame)


def _linked_vessel() -> str | None:
    """The vessel key a link asks for: ?imo=9230880 or ?vessel=name:olina."""
    imo = (st.query_params.get(IMO_PARAM) or "").strip()
    if imo:
        return f"imo:{imo}"
    return (st.query_params.get(VESSEL_PARAM) or "").strip() or None


def _choose_from_link(choices: dict[str, str]) -> None:
    """Put the linked vessel in the picker once per link, leaving later picks alone."""
    linked = _linked_vessel()
    if linked and st.session_state.get(_LINKED_KEY) != linked:
        st.session_state[_LINKED_KEY] = linked
        if linked in choices:
            st.session_state[_CHOICE_KEY] = linked
        else:
            st.warning(f"No vessel {escape_markdown(linked)} among the filtered incidents.")


def _put_vessel_in_url(key: str) -> None:
    """Make the address bar this vessel's shareable link (beside the filters)."""
    param, value = (IMO_PARAM, key[4:]) if key.startswith("imo:") else (VESSEL_PARAM, key)
    other = VESSEL_PARAM if param == IMO_PARAM else IMO_PARAM
    if other in st.query_params:
        del st.query_params[other]
    st.query_params[param] = value
    st.session_state[_LINKED_KEY] = _linked_vessel()


def _render_vessel(frame: pd.DataFrame, keys: pd.Series, choices: dict[str, str]) -> None:
    _choose_from_link(choices)
    key = st.selectbox(
        "Vessel",
        list(choices),
        format_func=choices.__getitem__,
        key=_CHOICE_KEY,
        help="A vessel is one IMO number through its renames; vessels without one go by name.",
    )
    if key is None:
        return
    _put_vessel_in_url(key)
    history = vessel_history(frame, key, keys=keys)
    table = incident_table(history)
    facts = {
        "Names over time": [" → ".join(_distinct(table["Vessel"]))],
        "Flags over time": [" → ".join(_distinct(table["Flag"]))],
        "IMO": _distinct(history["imo"]),
        "MMSI": _distinct(history["mmsi"]),
        "Sanctions": _distinct(history["sanctions"]),
        "Linked to": _distinct(name for names in history["linked_to"] for name in names),
    }
    st.markdown(_fact_lines(facts))
    st.dataframe(
        table,
        hide_index=True,
        column_order=HISTORY_COLUMNS,
        column_config=HISTORY_CONFIG,
        key="vessel_history",
    )
    sources = vessel_sources(history)
    with st.expander(f"Every source on this vessel ({len(sources)})"):
        st.dataframe(
            sources,
            hide_index=True,
            column_config=SOURCE_CONFIG,
            key="vessel_sources",
        )


def _render_flags(frame: pd.DataFrame, counts: pd.DataFrame) -> None:
    false_total = int(counts["false_flags"].sum())
    st.caption(
        f"{false_total:,} of {len(frame):,} incidents involved a false flag (flown fraudulently, "
        "as the flag state or the reports said). Grey: the flag is disputed or nobody has "
        "verified it."
    )
    st.altair_chart(build_flag_chart(counts), width="stretch")
    st.dataframe(
        counts,
        hide_index=True,
        column_order=tuple(FLAG_CONFIG),
        column_config=FLAG_CONFIG,
        key="flag_counts",
    )


def render() -> None:
    """Draw the vessels and flags page."""
    view = current_view()
    frame = view.filtered
    st.title("Vessels and flags")
    st.caption(
        f"Built from the {len(frame):,} of {len(view.incidents):,} incidents that match the "
        "filters in the sidebar; clear them to see every vessel and flag."
    )
    if frame.empty:
        show_empty_state()
        return
    cache_key = (str(view.path), view.version, view.incident_filter)
    st.header("Vessel")
    _render_vessel(frame, *_vessels(*cache_key, frame))
    st.header("Flag states")
    _render_flags(frame, _flag_counts(*cache_key, frame))


render()
