"""The interface language of a session: from the link, the sidebar switch, or the browser.

Order: a ``?lang=`` in the link the session opened with, else the browser's ``Accept-Language``
(first visit only); afterwards the sidebar switch. The choice stays in the page URL, so a shared
link opens in the same language (English, the default, leaves the parameter out).
"""

from __future__ import annotations

import streamlit as st

from dashboard.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGE_PARAM,
    LANGUAGES,
    _,
    negotiate_language,
    set_language,
)

_LANGUAGE_KEY = "interface_language"


def _browser_language() -> str | None:
    """The supported language the browser asks for, from its headers (or its own locale)."""
    headers = getattr(st.context, "headers", None) or {}
    found = negotiate_language(headers.get("Accept-Language"))
    # AppTest and some proxies send no headers; the browser still reports its locale.
    return found or negotiate_language(getattr(st.context, "locale", None))


def choose_language() -> str:
    """Set and return this run's language; call before anything is drawn."""
    if _LANGUAGE_KEY not in st.session_state:
        requested = st.query_params.get(LANGUAGE_PARAM)
        if requested not in LANGUAGES:
            requested = _browser_language()
        st.session_state[_LANGUAGE_KEY] = requested or DEFAULT_LANGUAGE
    language = set_language(st.session_state[_LANGUAGE_KEY])
    if language == DEFAULT_LANGUAGE:
        st.query_params.pop(LANGUAGE_PARAM, None)
    elif st.query_params.get(LANGUAGE_PARAM) != language:
        st.query_params[LANGUAGE_PARAM] = language
    return language


def render_language_switch() -> None:
    """The sidebar's language switch (labelled in both languages, so either reader finds it)."""
    st.sidebar.selectbox(
        "Language · Idioma",
        list(LANGUAGES),
        format_func=LANGUAGES.__getitem__,
        key=_LANGUAGE_KEY,
    )
    if st.session_state.get(_LANGUAGE_KEY, DEFAULT_LANGUAGE) != DEFAULT_LANGUAGE:
        st.sidebar.caption(
            _(
                "The record's own words (summaries, notes, places, agencies) are data: they "
                "are shown as written, in English."
            )
        )
