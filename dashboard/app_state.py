"""What every page shares in one script run: the loaded data, the filter and the filtered rows."""

from __future__ import annotations

import functools
import logging
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import numpy as np
import pandas as pd
import streamlit as st

from dashboard.assets import STATIC_DIR, ensure_static_assets
from dashboard.errors import FieldProblem
from dashboard.filters import IncidentFilter, filter_positions
from dashboard.memory import release_freed_memory
from dashboard.store import LoadResult, data_path
from dashboard.stores import IncidentStore, Settings, open_store

_VIEW_KEY = "_dashboard_view"
_LOG = logging.getLogger(__name__)
# The store's version key: file identities and sizes for CSV, row counters for PostgreSQL.
DataVersion = Hashable


@st.cache_resource(show_spinner=False)
def _store(settings: Settings) -> IncidentStore:
    """One store per configuration for the whole server; it keeps its own snapshot cache."""
    return open_store(settings)


def current_store() -> IncidentStore:
    """The store the configuration names (``open_store``): the one way pages reach the data."""
    return _store(Settings.from_environment())


@st.cache_resource
def prepare_static_assets() -> Path:
    """Copy the map's Leaflet files where Streamlit serves them, once per server process."""
    return ensure_static_assets()


def current_version() -> DataVersion:
    """A key that changes whenever the incidents or the review log change.

    Raises StoreUnavailableError when the store cannot be reached.
    """
    return current_store().version()


def load_current(version: DataVersion) -> LoadResult:
    """The store's data, read in full once and then only what was added since."""
    del version  # the store's snapshot knows its own version
    return current_store().refresh().result


@dataclass(frozen=True)
class View:
    """The data one script run works on; pages read it and never change it.

    The filter's result is kept as row positions: the filtered rows (``filtered``) are copied
    out only when a page asks for them, and the map's overview asks for a few columns only
    (``filtered_columns``). At 1,000,000 incidents a full copy is most of a gigabyte.
    """

    # Where the data lives: the CSV file, or for a database its URL without the password as a
    # path (its name is the database's); pages show only the name and key caches on the whole.
    path: PurePosixPath
    version: DataVersion
    incidents: pd.DataFrame
    problems: tuple[FieldProblem, ...]
    incident_filter: IncidentFilter
    positions: np.ndarray

    @property
    def shown(self) -> int:
        """How many incidents pass the filter."""
        return len(self.positions)

    @functools.cached_property
    def filtered(self) -> pd.DataFrame:
        """The incidents the filter lets through, every column; never mutated."""
        return _filtered_rows(str(self.path), self.version, self.incident_filter, None, self)

    def filtered_columns(self, columns: Sequence[str] | None) -> pd.DataFrame:
        """Only ``columns`` (None: all) of the incidents the filter lets through (the frame's
        index kept)."""
        if columns is None:
            return self.filtered
        key = (str(self.path), self.version, self.incident_filter, tuple(columns))
        return _filtered_rows(*key, self)

    def filtered_subset(self, chosen: np.ndarray | slice) -> pd.DataFrame:
        """Every column of the filtered incidents that ``chosen`` picks: a flag for each, or a
        slice of them (in file order). Copies only those rows, and nothing is cached."""
        return self.incidents.take(self.positions[chosen])


def without_server_paths(text: str) -> str:
    """``text`` (an error message, say) with the data file's full path cut to its name."""
    # Messages from the store name the file for the command line, where its user chose it; a
    # browser visitor learns nothing useful from the server's folders, and an attacker would.
    path = data_path()
    for full in {str(path), str(path.resolve()), str(path.expanduser().absolute())}:
        text = text.replace(full, path.name)
    return text


@st.cache_resource(max_entries=8, show_spinner=False)
def _positions(
    path: str, version: DataVersion, incident_filter: IncidentFilter, _incidents: pd.DataFrame
) -> np.ndarray:
    """The positions of the incidents one filter lets through, for one version of the file."""
    # Filtering 1,000,000 rows takes a few hundred milliseconds; a rerun with unchanged filters
    # (a click on the map, a page switch) reuses the positions instead.
    del path, version  # the cache key, with the filter; _incidents is what they select
    return filter_positions(_incidents, incident_filter)


@st.cache_resource(max_entries=4, show_spinner=False)
def _filtered_rows(
    path: str,
    version: DataVersion,
    incident_filter: IncidentFilter,
    columns: tuple[str, ...] | None,
    _view: View,
) -> pd.DataFrame:
    """A view's filtered rows (only ``columns``, or all), copied once per filter and version.

    Few entries: each is a copy, and a whole one of 1,000,000 incidents is most of a gigabyte.
    """
    del path, version, incident_filter  # the cache key, with columns; _view is what they select
    frame = _view.incidents if columns is None else _view.incidents[list(columns)]
    rows = frame.take(_view.positions)
    release_freed_memory()
    return rows


def build_view(result: LoadResult, incident_filter: IncidentFilter, version: DataVersion) -> View:
    """The view for this run: every valid incident and those passing the filter."""
    store = current_store()
    path = getattr(store, "path", None) or PurePosixPath(store.location.replace("://", ":/", 1))
    return View(
        path=path,
        version=version,
        incidents=result.incidents,
        problems=result.problems,
        incident_filter=incident_filter,
        positions=_positions(str(path), version, incident_filter, result.incidents),
    )


def set_view(view: View) -> None:
    """Hand this run's view to the page that st.navigation runs next."""
    st.session_state[_VIEW_KEY] = view


def current_view() -> View:
    """The view the app built for this run."""
    return st.session_state[_VIEW_KEY]


# --- published feeds -----------------------------------------------------------------------


def publish_feeds(result: LoadResult, version: DataVersion) -> tuple[Path, ...]:
    """The Atom feeds under /app/static/feeds, written once per version of the record."""
    return _publish_feeds(current_store().location, version, result.incidents)


@st.cache_resource(max_entries=1, show_spinner=False)
def _publish_feeds(
    location: str, version: DataVersion, _incidents: pd.DataFrame
) -> tuple[Path, ...]:
    # Imported here: feedgen and the feed module are needed once per version, not per run.
    from dashboard.exports.feed import public_url, write_feeds

    del location, version  # the cache key: a changed record (or review) writes them again
    try:
        return tuple(write_feeds(_incidents, STATIC_DIR, base_url=public_url()))
    except OSError as error:
        # A read-only image still serves the dashboard; only the feeds go stale.
        _LOG.warning("could not write the Atom feeds under %s: %s", STATIC_DIR, error)
        return ()
    finally:
        # Ordering 1,000,000 incidents for the feeds frees over 100 MB that glibc would keep,
        # and the map is built on top of whatever the process holds.
        release_freed_memory()


def page_base_url() -> str:
    """The dashboard's address as this browser reached it (no page, no query), for links."""
    # The browser's own URL, not the Host header: it is only shown back to the same visitor.
    # Feeds, written for everyone, use $INTERDICTION_TRACKER_PUBLIC_URL instead.
    from dashboard.exports.feed import public_url

    url = getattr(st.context, "url", None)
    if not url:
        return public_url()
    parts = urlsplit(url)
    # Behind a proxy the app may live under a path of its own (server.baseUrlPath).
    base_path = str(st.get_option("server.baseUrlPath") or "").strip("/")
    return f"{parts.scheme}://{parts.netloc}" + (f"/{base_path}" if base_path else "")
