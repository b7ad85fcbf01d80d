"""Streamlit entry point: loads the data once per file version, draws the filters, runs a page.

Run with ``streamlit run dashboard/app.py`` (or ``python -m dashboard serve``).
"""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run dashboard/app.py` puts dashboard/ on sys.path, not the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import streamlit as st

from dashboard.app_state import (
    build_view,
    current_store,
    current_version,
    load_current,
    prepare_static_assets,
    publish_feeds,
    set_view,
    without_server_paths,
)
from dashboard.embed import embed_filter
from dashboard.errors import DataFileError
from dashboard.i18n import _
from dashboard.language import choose_language, render_language_switch
from dashboard.presentation import escape_markdown
from dashboard.sidebar import render_filters
from dashboard.stores import StoreUnavailableError

# While the database is down, how often the page looks again by itself.
RETRY_SECONDS = 5

# First of all: every word drawn below, page titles included, is in this run's language.
choose_language()

# Not "pages/": Streamlit would treat that folder as old-style auto-discovered pages and run
# a page file on its own (no sidebar, no data) for a deep link opened before st.navigation.
PAGES_DIR = Path(__file__).resolve().parent / "views"
# Material icons ship with Streamlit's own font; emoji would need fonts many machines lack.
PAGES = [
    st.Page(
        PAGES_DIR / "map.py", title=_("Map"), icon=":material/map:", url_path="map", default=True
    ),
    st.Page(PAGES_DIR / "timeline.py", title=_("Timeline"), icon=":material/timeline:"),
    st.Page(PAGES_DIR / "table.py", title=_("Table"), icon=":material/table:"),
    st.Page(
        PAGES_DIR / "vessels.py", title=_("Vessels & flags"), icon=":material/directions_boat:"
    ),
    st.Page(PAGES_DIR / "add.py", title=_("Add incident"), icon=":material/add_location_alt:"),
    st.Page(PAGES_DIR / "review.py", title=_("Review"), icon=":material/fact_check:"),
    st.Page(PAGES_DIR / "about.py", title=_("About the data"), icon=":material/info:"),
]

# Streamlit draws captions in its text colour at 60 % alpha: about 3.9:1 on white, below
# WCAG AA's 4.5:1 (issue 9). The text colour itself at 80 % opacity reads 6:1, in the light
# and the dark theme alike.
CAPTION_CSS = '<style>[data-testid="stCaptionContainer"]{color:inherit;opacity:.8}</style>'

# The map alone for an article's <iframe> (?embed=true): one hidden page, no sidebar, no form.
EMBED_PAGE = st.Page(PAGES_DIR / "embed.py", title=_("Map"), url_path="map", default=True)

st.set_page_config(page_title="Interdiction Tracker", page_icon="⚓", layout="wide")
st.html(CAPTION_CSS)
prepare_static_assets()
query = {param: st.query_params.get_all(param) for param in st.query_params}
# Streamlit's own embed parameter: it never reaches st.query_params (see dashboard/embed.py).
is_embedded = bool(st.context.is_embedded)
navigation = st.navigation(
    [EMBED_PAGE] if is_embedded else PAGES, position="hidden" if is_embedded else "sidebar"
)


@st.fragment(run_every=RETRY_SECONDS)
def _wait_for_store() -> None:
    """Look again every few seconds; once the store answers, run the whole page afresh."""
    try:
        current_store().version()
    except StoreUnavailableError:
        return
    st.rerun(scope="app")


try:
    version = current_version()
    result = load_current(version)
except DataFileError as error:
    # The message may quote the file's own header: shown as text, never as markdown.
    message = without_server_paths(f"The incident data could not be read. {error}")
    st.error(escape_markdown(message), icon="🚫")
    st.stop()
except StoreUnavailableError as error:
    # Nothing is shown rather than the last data seen: it may no longer be the record.
    st.error(
        f"Nothing to show: {error}. Nothing can be saved until it is back; what you typed "
        "in a form is kept.",
        icon=":material/cloud_off:",
    )
    _wait_for_store()
    st.stop()
if result.problems:
    st.warning(
        f"{len(result.bad_lines)} line(s) of the data file were left out; every other row is "
        "shown. Fix the lines below (or run `python -m dashboard validate`).",
        icon="⚠️",
    )
    # st.text, not markdown: the reasons quote the file's own text, which must not render.
    with st.expander("Problems in the data file", expanded=len(result.problems) <= 10):
        st.text("\n".join(str(problem) for problem in result.problems))
publish_feeds(result, version)
if not is_embedded:
    render_language_switch()
incident_filter = embed_filter(query) if is_embedded else render_filters(result.incidents)
set_view(build_view(result, incident_filter, version))
navigation.run()
