"""One incident in words on a Streamlit page: the details beside the map, under the table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import streamlit as st

from dashboard.i18n import _
from dashboard.presentation import NOTES, escape_markdown, incident_facts, shown_vessel_label

# The query parameter of an incident's permalink: /?incident=INC-0007 opens the map on it.
INCIDENT_PARAM = "incident"


def permalink(incident_id: str, page_url: str | None = None) -> str:
    """The link that opens the map on ``incident_id``; relative when the page URL is unknown."""
    query = urlencode({INCIDENT_PARAM: incident_id})
    if not page_url:
        return f"/?{query}"
    parts = urlsplit(page_url)
    return urlunsplit((parts.scheme, parts.netloc, "/", query, ""))


def page_url() -> str | None:
    """The address of the page in the user's browser, when the session knows it."""
    try:
        return st.context.url or None
    except (AttributeError, RuntimeError):  # no browser session (AppTest, bare mode)
        return None


def render_incident_details(incident: Mapping[str, Any], *, heading_level: int = 3) -> None:
    """The incident's facts, notes, summary, sources (named by outlet) and its copyable link."""
    name = escape_markdown(shown_vessel_label(incident["vessel_name"]))
    st.markdown(f"{'#' * heading_level} {name}\n`{incident['id']}`")
    facts = incident_facts(incident)
    lines = [
        f"**{escape_markdown(label)}:** {escape_markdown(text)}"
        for label, text in facts
        if label != _(NOTES)
    ]
    st.markdown("  \n".join(lines))
    notes = dict(facts).get(_(NOTES))
    if notes:
        # A warning box: conflicting reports are what a reader must not miss.
        heading = _("Reports disagree or are uncertain.")
        st.warning(f"**{heading}** {escape_markdown(notes)}")
    st.markdown(escape_markdown(incident["summary"]))
    for source in incident["sources"]:
        st.link_button(source.get("outlet") or _("Source"), source["url"])
    st.caption(_("Link to this incident (copy button on the right):"))
    st.code(permalink(str(incident["id"]), page_url()), language=None)
