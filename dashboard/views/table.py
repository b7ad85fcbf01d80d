"""The table of filtered incidents, with downloads of exactly those rows in every export format."""

from __future__ import annotations

import functools

import pandas as pd
import streamlit as st

from dashboard.app_state import DataVersion, View, current_view
from dashboard.exports import EXPORTERS, Exporter
from dashboard.filters import IncidentFilter
from dashboard.i18n import _, current_language, format_number
from dashboard.incident_details import render_incident_details
from dashboard.presentation import incident_table
from dashboard.sidebar import show_empty_state

COLUMN_CONFIG = {
    "Date": st.column_config.DateColumn(format="YYYY-MM-DD"),
    "Sources": st.column_config.TextColumn(help="Every outlet that reported it"),
    # Shown by the site's name; select a row for buttons named by outlet.
    "Source link": st.column_config.LinkColumn(
        help="The first published source", display_text=r"https?://(?:www\.)?([^/]+)"
    ),
    "More source links": st.column_config.ListColumn(),
    "Summary": st.column_config.TextColumn(width="large"),
    "Notes": st.column_config.TextColumn(
        width="large", help="Where reports conflict or are uncertain"
    ),
}
# The browser gets every shown row on every run (about 500 bytes each); beyond this many the
# table shows the most recently added rows and the downloads carry them all.
MAX_TABLE_ROWS = 10_000
# Larger downloads are written when their button is clicked (on a thread of their own), not
# on every run of the page: 10,000 incidents already take a second to write, 100,000 take
# ten (70 and 120 MB).
EAGER_DOWNLOAD_ROWS = 1_000


@st.cache_resource(max_entries=4, show_spinner=False)
def _shown_rows(
    path: str,
    version: DataVersion,
    incident_filter: IncidentFilter,
    language: str,
    _view: View,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows the table shows (the most recently added of the filtered) and the same rows in
    the table's wording, copied out once per filter result and language."""
    # The cache key, with the language of the flag marks; _view is what they select.
    del path, version, incident_filter, language
    recent = _view.filtered_subset(slice(-MAX_TABLE_ROWS, None))
    return recent, incident_table(recent)


def _render_filtered(exporter: Exporter, view: View) -> bytes:
    """``exporter``'s file of every filtered incident, copied out only when it is asked for."""
    # A copy of its own, let go once written: at 1,000,000 incidents it is most of a gigabyte.
    return exporter.render(view.filtered_subset(slice(None)))


def render() -> None:
    """Draw the table page."""
    view = current_view()
    st.title(_("Incidents"))
    shown, total = view.shown, len(view.incidents)
    caption = _("{shown} of {total} incidents match the filters.").format(
        shown=format_number(shown), total=format_number(total)
    )
    if shown > MAX_TABLE_ROWS:
        caption += " " + _(
            "The table shows the {limit} most recently added of them; "
            "the downloads hold all of them."
        ).format(limit=format_number(MAX_TABLE_ROWS))
    st.caption(caption)
    if not shown:
        show_empty_state()
        return
    # Only the shown rows are copied out: every filtered row is copied when a download is made.
    recent, table = _shown_rows(
        str(view.path), view.version, view.incident_filter, current_language(), view
    )
    event = st.dataframe(
        table,
        hide_index=True,
        column_config=COLUMN_CONFIG,
        key="incident_table",
        on_select="rerun",
        selection_mode="single-row",
    )
    rows = event.selection.rows if event else []
    if rows:
        chosen = recent[recent["id"] == table["ID"].iloc[rows[0]]]
        with st.container(border=True):
            render_incident_details(chosen.iloc[0].to_dict())
    else:
        st.caption(_("Select a row to see the incident with its notes and sources."))
    eager = shown <= EAGER_DOWNLOAD_ROWS
    for column, exporter in zip(st.columns(len(EXPORTERS)), EXPORTERS, strict=True):
        if not exporter.is_available:
            column.button(
                _("Download {format}").format(format=_(exporter.label)),
                disabled=True,
                help=_("This format {hint}.").format(hint=_(exporter.install_hint)),
                key=f"download_{exporter.name}",
            )
            continue
        render_now = eager and not exporter.is_deferred
        column.download_button(
            _("Download {format}").format(format=_(exporter.label)),
            (
                exporter.render(view.filtered)
                if render_now
                else functools.partial(_render_filtered, exporter, view)
            ),
            file_name=exporter.file_name,
            mime=exporter.media_type,
            on_click="ignore",
            help=_(exporter.help),
            key=f"download_{exporter.name}",
        )


render()
