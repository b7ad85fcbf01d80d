"""The sidebar of filters shared by every page, kept in step with the page URL."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard.filters import (
    DISPUTED_ONLY,
    NO_FLAG,
    PAGE_PARAMS,
    IncidentFilter,
    filter_from_query,
    filter_to_query,
)
from dashboard.i18n import _, vocabulary_label
from dashboard.presentation import escape_markdown
from dashboard.schema import (
    EventType,
    Outcome,
    Verification,
    VesselType,
    Vocabulary,
    flag_label,
)

_KEY_PREFIX = "filter_"
_INITIALISED_KEY = "_filters_initialised"
# The date picker reaches back this far: the record may gain older incidents, never newer ones.
EARLIEST_DATE = dt.date(1990, 1, 1)
_LIST_ATTRIBUTES = ("flags", "event_types", "vessel_types", "outcomes", "verifications")


def _key(attribute: str) -> str:
    return _KEY_PREFIX + attribute


def _initialise_from_url() -> list[str]:
    """On a session's first run, put the link's filter into the widgets; return the notices."""
    if st.session_state.get(_INITIALISED_KEY):
        return []
    st.session_state[_INITIALISED_KEY] = True
    query = {param: st.query_params.get_all(param) for param in st.query_params}
    incident_filter, notices = filter_from_query(query)
    _put_in_widgets(incident_filter)
    return notices


def _put_in_widgets(incident_filter: IncidentFilter) -> None:
    """Set every filter widget to show ``incident_filter``."""
    for attribute in _LIST_ATTRIBUTES:
        st.session_state[_key(attribute)] = list(getattr(incident_filter, attribute))
    st.session_state[_key("text")] = incident_filter.text
    st.session_state[_key("disputed")] = incident_filter.disputed == DISPUTED_ONLY
    # Only the bounds the link sets: an open range stays open as the data grows (issue 9).
    st.session_state[_key("dates")] = tuple(
        day for day in (incident_filter.since, incident_filter.until) if day is not None
    )


def clear_filters() -> None:
    """Button callback: every filter back to "any" (the page URL follows on this run)."""
    _put_in_widgets(IncidentFilter())


def show_empty_state(what: str = "incidents") -> None:
    """Say that the filters leave nothing, with a button that clears them."""
    # Every page passes "incidents" today: that sentence is translated whole.
    message = (
        _("No incidents match the filters.")
        if what == "incidents"
        else _("No {what} match the filters.").format(what=what)
    )
    st.info(message, icon=":material/filter_alt_off:")
    st.button(_("Clear filters"), on_click=clear_filters, key=f"clear_filters_{what}")


def _flag_options(incidents: pd.DataFrame) -> tuple[list[str], dict[str, int]]:
    """Flags present in the data, most frequent first, with their counts."""
    counts = incidents["flag"].fillna(NO_FLAG).value_counts()
    chosen = st.session_state.get(_key("flags"), [])
    options = list(counts.index) + [flag for flag in chosen if flag not in counts.index]
    return options, {flag: int(count) for flag, count in counts.items()}


def _vocabulary_filter(
    label: str, attribute: str, vocabulary: type[Vocabulary], **options: str
) -> tuple[str, ...]:
    """A multiselect over one vocabulary, shown by label, returning the chosen values."""
    labels = {member.value: vocabulary_label(member) for member in vocabulary}
    chosen = st.sidebar.multiselect(
        label, list(labels), format_func=labels.__getitem__, key=_key(attribute), **options
    )
    return tuple(chosen)


def _date_range() -> tuple[dt.date | None, dt.date | None]:
    """The (since, until) the user picked; None for a bound they did not set."""
    # No default bounds from the data: a range ending on the last incident's date would hide
    # every incident added later in the session (issue 9: a saved incident left the map).
    picked = st.sidebar.date_input(
        _("Date range"),
        min_value=EARLIEST_DATE,
        max_value=dt.datetime.now(dt.UTC).date(),
        key=_key("dates"),
        format="YYYY-MM-DD",
        help=_("Empty: every date. Pick a first and a last day to narrow it."),
    )
    picked = tuple(picked) if isinstance(picked, (tuple, list)) else (picked,)
    # While the user has clicked only the first day of a range, filter from it onwards.
    since = picked[0] if picked else None
    until = picked[1] if len(picked) > 1 else None
    return since, until


def render_filters(incidents: pd.DataFrame) -> IncidentFilter:
    """Draw the filters, write them into the URL, and return what they select."""
    notices = _initialise_from_url()
    sidebar = st.sidebar
    sidebar.header(_("Filters"))
    for notice in notices:
        # The notices quote the link's own text: a value like [x](https://evil.example) must
        # show as typed, not become a link, an image fetched off-site or red text.
        sidebar.warning(escape_markdown(notice), icon="⚠️")
    options, counts = _flag_options(incidents)
    flags = sidebar.multiselect(
        _("Flag state"),
        options,
        format_func=lambda flag: (
            f"{flag_label(None if flag == NO_FLAG else flag)} · {counts.get(flag, 0)}"
        ),
        key=_key("flags"),
        placeholder=_("Any flag"),
        help=_("The flag flown or claimed. False flags are marked on the map and in the table."),
    )
    since, until = _date_range()
    event_types = _vocabulary_filter(
        _("Event type"), "event_types", EventType, placeholder=_("Any")
    )
    vessel_types = _vocabulary_filter(
        _("Vessel type"), "vessel_types", VesselType, placeholder=_("Any")
    )
    outcomes = _vocabulary_filter(_("Outcome"), "outcomes", Outcome, placeholder=_("Any"))
    verifications = _vocabulary_filter(
        _("Verification"),
        "verifications",
        Verification,
        placeholder=_("Verified and unverified"),
        help=_("Rejected incidents are hidden unless you choose them here."),
    )
    text = sidebar.text_input(
        _("Search vessels"),
        key=_key("text"),
        placeholder=_("Name, former name, IMO or MMSI"),
        max_chars=200,
    )
    disputed = sidebar.checkbox(
        _("Only disputed incidents"),
        key=_key("disputed"),
        help=_(
            "Incidents on which reports disagree (flag, place, casualties…); the notes say how."
        ),
    )
    incident_filter = IncidentFilter(
        flags=tuple(flags),
        since=since,
        until=until,
        event_types=event_types,
        vessel_types=vessel_types,
        outcomes=outcomes,
        verifications=verifications,
        text=text.strip(),
        disputed=DISPUTED_ONLY if disputed else "",
    )
    if not incident_filter.is_empty:
        sidebar.button(
            _("Clear filters"), on_click=clear_filters, key="clear_filters_sidebar", width="stretch"
        )
    kept = {param: st.query_params.get_all(param) for param in PAGE_PARAMS}
    st.query_params.from_dict(
        {**filter_to_query(incident_filter), **{k: v for k, v in kept.items() if v}}
    )
    return incident_filter
