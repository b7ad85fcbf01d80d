"""The sidebar of filters shared by every page, kept in step with the page URL."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard.filters import (
    NO_FLAG,
    IncidentFilter,
    filter_from_query,
    filter_to_query,
)
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


def _key(attribute: str) -> str:
    return _KEY_PREFIX + attribute


def _initialise_from_url() -> list[str]:
    """On a session's first run, put the link's filter into the widgets; return the notices."""
    if st.session_state.get(_INITIALISED_KEY):
        return []
    st.session_state[_INITIALISED_KEY] = True
    query = {param: st.query_params.get_all(param) for param in st.query_params}
    incident_filter, notices = filter_from_query(query)
    for attribute in ("flags", "event_types", "vessel_types", "outcomes", "verifications"):
        st.session_state[_key(attribute)] = list(getattr(incident_filter, attribute))
    st.session_state[_key("text")] = incident_filter.text
    st.session_state[_key("dates")] = (incident_filter.since, incident_filter.until)
    return notices


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
    labels = {member.value: member.label for member in vocabulary}
    chosen = st.sidebar.multiselect(
        label, list(labels), format_func=labels.__getitem__, key=_key(attribute), **options
    )
    return tuple(chosen)


def _date_range(incidents: pd.DataFrame) -> tuple[dt.date | None, dt.date | None]:
    """The chosen (since, until); None where the user kept the data's own bound."""
    stored = st.session_state.get(_key("dates"), (None, None))
    if incidents.empty:
        first = last = dt.datetime.now(dt.UTC).date()
    else:
        first = incidents["date"].min().date()
        last = incidents["end_date"].fillna(incidents["date"]).max().date()
    stored = tuple(stored) if isinstance(stored, (tuple, list)) else ()
    if len(stored) != 1:  # one date means the user is half-way through picking a range
        since, until = (*stored, None, None)[:2]
        first, last = min(first, since or first), max(last, until or last)
        st.session_state[_key("dates")] = (since or first, until or last)
    picked = st.sidebar.date_input(
        "Date range", min_value=first, max_value=last, key=_key("dates"), format="YYYY-MM-DD"
    )
    picked = tuple(picked) if isinstance(picked, (tuple, list)) else (picked,)
    # While the user has clicked only the first day of a range, filter from it onwards.
    since = picked[0] if picked else None
    until = picked[1] if len(picked) > 1 else None
    return (None if since == first else since, None if until == last else until)


def render_filters(incidents: pd.DataFrame) -> IncidentFilter:
    """Draw the filters, write them into the URL, and return what they select."""
    notices = _initialise_from_url()
    sidebar = st.sidebar
    sidebar.header("Filters")
    for notice in notices:
        # The notices quote the link's own text: a value like [x](https://evil.example) must
        # show as typed, not become a link, an image fetched off-site or red text.
        sidebar.warning(escape_markdown(notice), icon="⚠️")
    options, counts = _flag_options(incidents)
    flags = sidebar.multiselect(
        "Flag state",
        options,
        format_func=lambda flag: (
            f"{flag_label(None if flag == NO_FLAG else flag)} · {counts.get(flag, 0)}"
        ),
        key=_key("flags"),
        placeholder="Any flag",
        help="The flag flown or claimed. False flags are marked on the map and in the table.",
    )
    since, until = _date_range(incidents)
    event_types = _vocabulary_filter("Event type", "event_types", EventType, placeholder="Any")
    vessel_types = _vocabulary_filter("Vessel type", "vessel_types", VesselType, placeholder="Any")
    outcomes = _vocabulary_filter("Outcome", "outcomes", Outcome, placeholder="Any")
    verifications = _vocabulary_filter(
        "Verification",
        "verifications",
        Verification,
        placeholder="Verified and unverified",
        help="Rejected incidents are hidden unless you choose them here.",
    )
    text = sidebar.text_input(
        "Search vessels",
        key=_key("text"),
        placeholder="Name, former name, IMO or MMSI",
        max_chars=200,
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
    )
    st.query_params.from_dict(filter_to_query(incident_filter))
    return incident_filter
