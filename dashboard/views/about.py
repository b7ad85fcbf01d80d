"""About the data: what it covers, where it comes from, how precise it is, and its limits."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard.app_state import current_view
from dashboard.i18n import N_, _, format_number
from dashboard.presentation import escape_markdown
from dashboard.schema import Verification
from dashboard.sharing import render_sharing
from dashboard.tallies import strikes_by_month, strikes_by_sea_area, tally_strikes

TALLY_LABELS = {
    "strikes": N_("Strikes"),
    "vessels_struck": N_("Boats struck"),
    "killed": N_("Reported killed"),
    "survivors": N_("Reported survivors"),
    "killed_not_reported": N_("Strikes with no reported toll"),
}

SOURCE_REGISTER = Path(__file__).resolve().parents[2] / "seeds" / "sources.csv"

# Translated paragraph by paragraph: each one is a catalogue entry.
ABOUT = [
    N_(
        "Interdiction Tracker is a curated, sourced record of interdictions at sea around "
        'Venezuela and the wider Caribbean: seizures of "shadow fleet" tankers, the pursuits '
        "before them, boardings and US strikes on small vessels. Every curated row cites at least "
        "one published report, and the summary is written in our own words. Summaries and notes "
        "are data: they stay as written."
    ),
    N_(
        "**Precision.** No report gave coordinates. Each curated point is placed inside the sea "
        "area the reports name, and is marked *approximate* or *region* (only the sea area is "
        "known). The map draws those points with a dashed uncertainty ring; do not read more into "
        "a point than its precision allows. Dates carry a precision too (day, month, "
        "approximate)."
    ),
    N_(
        "**Conflicting reports.** Where sources disagree (a flag, a place, a death toll), the row "
        "keeps the best supported value, says what the others reported in its notes, and names "
        "the fields in dispute, so disputed incidents can be shown and filtered."
    ),
    N_(
        "**False flags.** A flag marked *false* is one the flag state or the reports said was "
        "flown fraudulently. An MMSI whose first three digits (MID) belong to another state is "
        "flagged by the form as a *possible* false flag, never as a fact."
    ),
    N_(
        "**Strikes on small vessels.** One row per strike announced by the US government, with "
        "the boats, dead and survivors as announced or reported; nobody independent has confirmed "
        "these figures. A figure no report gave is left empty, never counted as zero. Rows added "
        "through the form start *unverified*."
    ),
]


@st.cache_data
def _source_register(path: str, version: float) -> pd.DataFrame:
    del version
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _render_tallies(incidents: pd.DataFrame) -> None:
    """The strike tallies, summed from the rows (rejected rows left out)."""
    counted = incidents[incidents["verification"].astype(str) != Verification.REJECTED.value]
    tally = tally_strikes(counted)
    st.subheader(_("Strikes in the record"))
    if not tally.strikes:
        st.write(_("The record holds no strikes."))
        return
    columns = st.columns(4)
    columns[0].metric(_("Strikes"), format_number(tally.strikes))
    columns[1].metric(_("Boats struck"), format_number(tally.vessels_struck))
    columns[2].metric(_("Reported killed"), format_number(tally.killed))
    columns[3].metric(_("Reported survivors"), format_number(tally.survivors))
    caption = _(
        "Summed from the {strikes} strike rows, {first} to {last}; rejected rows are not counted."
    ).format(
        strikes=format_number(tally.strikes),
        first=f"{tally.first:%Y-%m-%d}",
        last=f"{tally.last:%Y-%m-%d}",
    )
    if tally.killed_not_reported:
        caption += " " + _("{count} strikes have no reported death toll.").format(
            count=format_number(tally.killed_not_reported)
        )
    st.caption(caption)
    by_month, by_area = st.columns(2)
    by_month.markdown("**" + _("By month") + "**")
    by_month.dataframe(_tally_table(strikes_by_month(counted), _("Month")), hide_index=True)
    by_area.markdown("**" + _("By sea area") + "**")
    by_area.dataframe(_tally_table(strikes_by_sea_area(counted), _("Sea area")), hide_index=True)


def _tally_table(table: pd.DataFrame, index_label: str) -> pd.DataFrame:
    return table.reset_index(names=index_label).rename(
        columns={column: _(label) for column, label in TALLY_LABELS.items()}
    )


def render() -> None:
    """Draw the about page."""
    view = current_view()
    st.title(_("About the data"))
    st.markdown("\n\n".join(_(paragraph) for paragraph in ABOUT))
    _render_tallies(view.incidents)
    st.subheader(_("The file"))
    # The name only: the server's directories are nobody's business (issue 10).
    name = escape_markdown(view.path.name)
    st.write(
        _("Reading `{name}`: {count} valid incidents.").format(
            name=name, count=format_number(len(view.incidents))
        )
    )
    # Issue 13 (reach): the embed snippet and the feeds, drawn by dashboard/sharing.py.
    render_sharing(view)
    if SOURCE_REGISTER.exists():
        st.subheader(_("Source register"))
        st.caption(_("Every document the curated rows rely on (seeds/sources.csv)."))
        register = _source_register(str(SOURCE_REGISTER), SOURCE_REGISTER.stat().st_mtime)
        st.dataframe(
            register,
            hide_index=True,
            column_config={"url": st.column_config.LinkColumn("URL")},
        )


render()
