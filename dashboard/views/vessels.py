"""The vessels and flags page: one vessel's incidents through its names and flags; flag counts."""

from __future__ import annotations

import string
from collections.abc import Iterable

import pandas as pd
import streamlit as st

from dashboard.app_state import DataVersion, View, current_view
from dashboard.filters import IncidentFilter
from dashboard.i18n import N_, _, current_language, format_number
from dashboard.presentation import incident_table
from dashboard.sidebar import show_empty_state
from dashboard.vessel_views import (
    PICKER_COLUMNS,
    build_flag_chart,
    flag_counts,
    vessel_choices,
    vessel_history,
    vessel_keys,
    vessel_sources,
)

# The history table's columns (incident_table's English names) with the headers shown for them.
HISTORY_COLUMNS = {
    "Vessel": N_("Vessel"),
    "Date": N_("Date"),
    "End date": N_("End date"),
    "Date precision": N_("Date precision"),
    "Event": N_("Event"),
    "Verification": N_("Verification"),
    "Former names": N_("Former names"),
    "IMO": "IMO",
    "Flag": N_("Flag"),
    "Sanctions": N_("Sanctions"),
    "Linked to": N_("Linked to"),
    "Outcome": N_("Outcome"),
    "Place": N_("Place"),
    "Location precision": N_("Location precision"),
    "Notes": N_("Notes"),
    "Sources": N_("Sources"),
    "Source link": N_("Source link"),
    "ID": "ID",
}


def _history_config() -> dict[str, object]:
    """The history table's headers and help in the current language."""
    config: dict[str, object] = {column: _(label) for column, label in HISTORY_COLUMNS.items()}
    config.update(
        {
            "Date": st.column_config.DateColumn(_("Date"), format="YYYY-MM-DD"),
            "End date": st.column_config.DateColumn(_("End date"), format="YYYY-MM-DD"),
            "Vessel": st.column_config.TextColumn(
                _("Vessel"), help=_("The name the vessel sailed under at the time")
            ),
            "Flag": st.column_config.TextColumn(
                _("Flag"), help=_("The flag flown or claimed at the time")
            ),
            "Sources": st.column_config.TextColumn(
                _("Sources"), help=_("Every outlet that reported it")
            ),
            "Source link": st.column_config.LinkColumn(
                _("Source link"), help=_("The first published source")
            ),
            "Notes": st.column_config.TextColumn(
                _("Notes"), width="large", help=_("Where reports conflict or are uncertain")
            ),
        }
    )
    return config


# A vessel's own link: ?imo=9230880, or ?vessel=name:olina for a vessel without an IMO.
IMO_PARAM = "imo"
VESSEL_PARAM = "vessel"
_CHOICE_KEY = "vessel_choice"
_LINKED_KEY = "_vessel_choice_from_link"
FLAG_COLUMNS = ("label", "incidents", "false_flags", "disputed", "false_share")


def _source_config() -> dict[str, object]:
    """The source table's headers in the current language."""
    return {
        "id": st.column_config.TextColumn(_("Incident")),
        "date": st.column_config.DateColumn(_("Incident date"), format="YYYY-MM-DD"),
        "outlet": st.column_config.TextColumn(_("Outlet")),
        "title": st.column_config.TextColumn(_("Title"), width="large"),
        "published": st.column_config.DateColumn(_("Published"), format="YYYY-MM-DD"),
        "url": st.column_config.LinkColumn(_("Link")),
    }


def _flag_config() -> dict[str, object]:
    """The flag table's headers and help in the current language."""
    return {
        "label": st.column_config.TextColumn(_("Flag state")),
        "incidents": st.column_config.NumberColumn(_("Incidents"), format="%d"),
        "false_flags": st.column_config.NumberColumn(
            _("False flags"),
            format="%d",
            help=_("Flown fraudulently, as the flag state or reports said"),
        ),
        "disputed": st.column_config.NumberColumn(
            _("Disputed or unverified"),
            format="%d",
            help=_("Reports conflict or nobody has checked"),
        ),
        "false_share": st.column_config.NumberColumn(_("Share false"), format="percent"),
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
            value = values[0] if values else _("none recorded")
            lines.append(f"- **{name}:** {escape_markdown(value)}")
        else:
            lines.append(f"- **{name}:**")
            lines.extend(f"    - {escape_markdown(value)}" for value in values)
    return "\n".join(lines)


@st.cache_resource(max_entries=4, show_spinner=False)
def _vessels(
    path: str,
    version: DataVersion,
    incident_filter: IncidentFilter,
    language: str,
    _frame: pd.DataFrame,
) -> tuple[pd.Series, dict[str, str]]:
    """Each filtered incident's vessel key and every vessel's label, once per filter result."""
    # The cache key, with the language of the labels; _frame is what they select.
    del path, version, incident_filter, language
    keys = vessel_keys(_frame)
    return keys, dict(vessel_choices(_frame, keys=keys))


@st.cache_resource(max_entries=4, show_spinner=False)
def _flag_counts(
    path: str,
    version: DataVersion,
    incident_filter: IncidentFilter,
    language: str,
    _frame: pd.DataFrame,
) -> pd.DataFrame:
    """Incidents per flag state, once per filter result."""
    # The cache key, with the language of "no flag"; _frame is what they select.
    del path, version, incident_filter, language
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
            st.warning(
                _("No vessel {vessel} among the filtered incidents.").format(
                    vessel=escape_markdown(linked)
                )
            )


def _put_vessel_in_url(key: str) -> None:
    """Make the address bar this vessel's shareable link (beside the filters)."""
    param, value = (IMO_PARAM, key[4:]) if key.startswith("imo:") else (VESSEL_PARAM, key)
    other = VESSEL_PARAM if param == IMO_PARAM else IMO_PARAM
    if other in st.query_params:
        del st.query_params[other]
    st.query_params[param] = value
    st.session_state[_LINKED_KEY] = _linked_vessel()


def _render_vessel(view: View, keys: pd.Series, choices: dict[str, str]) -> None:
    _choose_from_link(choices)
    key = st.selectbox(
        _("Vessel"),
        list(choices),
        format_func=choices.__getitem__,
        key=_CHOICE_KEY,
        help=_("A vessel is one IMO number through its renames; vessels without one go by name."),
    )
    if key is None:
        return
    _put_vessel_in_url(key)
    chosen = (keys == key).fillna(False).to_numpy(dtype=bool)
    history = vessel_history(view.filtered_subset(chosen), key, keys=keys[chosen])
    table = incident_table(history)
    facts = {
        _("Names over time"): [" → ".join(_distinct(table["Vessel"]))],
        _("Flags over time"): [" → ".join(_distinct(table["Flag"]))],
        "IMO": _distinct(history["imo"]),
        "MMSI": _distinct(history["mmsi"]),
        _("Sanctions"): _distinct(history["sanctions"]),
        _("Linked to"): _distinct(name for names in history["linked_to"] for name in names),
    }
    st.markdown(_fact_lines(facts))
    st.dataframe(
        table,
        hide_index=True,
        column_order=tuple(HISTORY_COLUMNS),
        column_config=_history_config(),
        key="vessel_history",
    )
    sources = vessel_sources(history)
    with st.expander(
        _("Every source on this vessel ({count})").format(count=format_number(len(sources)))
    ):
        st.dataframe(
            sources,
            hide_index=True,
            column_config=_source_config(),
            key="vessel_sources",
        )


def _render_flags(frame: pd.DataFrame, counts: pd.DataFrame) -> None:
    false_total = int(counts["false_flags"].sum())
    st.caption(
        _(
            "{false} of {total} incidents involved a false flag (flown fraudulently, "
            "as the flag state or the reports said). Grey: the flag is disputed or nobody has "
            "verified it."
        ).format(false=format_number(false_total), total=format_number(len(frame)))
    )
    st.altair_chart(build_flag_chart(counts), width="stretch")
    st.dataframe(
        counts,
        hide_index=True,
        column_order=FLAG_COLUMNS,
        column_config=_flag_config(),
        key="flag_counts",
    )


def render() -> None:
    """Draw the vessels and flags page."""
    view = current_view()
    frame = view.filtered_columns(PICKER_COLUMNS)
    st.title(_("Vessels and flags"))
    st.caption(
        _(
            "Built from the {shown} of {total} incidents that match the "
            "filters in the sidebar; clear them to see every vessel and flag."
        ).format(shown=format_number(len(frame)), total=format_number(len(view.incidents)))
    )
    if frame.empty:
        show_empty_state()
        return
    cache_key = (str(view.path), view.version, view.incident_filter, current_language())
    st.header(_("Vessel"))
    with st.spinner(_("Finding the vessels…")):
        keys, choices = _vessels(*cache_key, frame)
    _render_vessel(view, keys, choices)
    st.header(_("Flag states"))
    _render_flags(frame, _flag_counts(*cache_key, frame))


render()
