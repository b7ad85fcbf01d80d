"""The About page's "take it elsewhere" block: the embed's <iframe> snippet and the Atom feeds."""

from __future__ import annotations

import streamlit as st

from dashboard.app_state import View, page_base_url
from dashboard.embed import embed_url, iframe_snippet
from dashboard.exports.feed import ALL_FEED_NAME, feed_scopes, feed_url, public_url
from dashboard.i18n import N_, _, language_query
from dashboard.presentation import escape_markdown
from dashboard.schema import flag_label

EMBED_TITLE = N_("Map of maritime interdictions (Interdiction Tracker)")


def render_sharing(view: View) -> None:
    """Draw the embed snippet for the current filters and the list of feeds."""
    st.subheader(_("Embed the map in an article"))
    st.write(
        _(
            "Paste this into the article's HTML. It shows the map alone (no sidebar, no form), "
            "with the filters chosen in the sidebar now, and a caption naming the source and "
            "the date of the data. Change the filters first to embed a narrower map."
        )
    )
    url = embed_url(page_base_url(), view.incident_filter, **language_query())
    st.code(iframe_snippet(url, title=_(EMBED_TITLE)), language="html", wrap_lines=True)
    st.subheader(_("Follow new incidents"))
    base = public_url()
    st.write(
        _(
            "Atom feeds of the latest verified incidents, newest first, for any feed reader. "
            "They are rewritten whenever the record changes; entries are in English."
        )
    )
    everything = _("All verified incidents")
    lines = [f"- [{everything}]({feed_url(ALL_FEED_NAME, base_url=base)})"]
    for scope in feed_scopes(view.incidents):
        if scope.flag is not None:
            label = _("{flag} flag").format(flag=escape_markdown(flag_label(scope.flag)))
            lines.append(f"- [{label}]({feed_url(scope.file, base_url=base)})")
    st.markdown("\n".join(lines))
